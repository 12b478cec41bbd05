#include "cli/tokenizer_loader.h"

namespace gatehouse::cli {

tokenizer::Tokenizer load_tokenizer(const std::string& source) {
  return tokenizer::Tokenizer::from_directory(source);
}

}  // namespace gatehouse::cli
