#include "tokenizer/pre_tokenizers/char_split.h"

namespace gatehouse::tokenizer::pre_tokenizers {

bool is_punctuation(char32_t c) {
  return (regex::classify(c) & (c < 0x80 ? regex::kAsciiPunct : regex::kPunct)) != 0;
}

bool is_numeric(char32_t c) { return (regex::classify(c) & regex::kNumber) != 0; }

}  // namespace gatehouse::tokenizer::pre_tokenizers
