// Pre-tokenizers and Split regexes against golden files recorded from the Hugging Face tokenizers
// binding (tests/unit/tokenizer/pre_tokenizers/make_golden.mjs): the splits with their original
// byte ranges for every pre-tokenizer config, and the matches of every regex (or that it fails to
// compile).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/error.h"
#include "base/file.h"
#include "base/json.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/regex/regex.h"

namespace gatehouse::tokenizer {
namespace {

namespace bj = boost::json;

bj::array golden_cases(const char* file) {
  std::string path = std::string(GATEHOUSE_SOURCE_DIR) + "/tests/unit/tokenizer/pre_tokenizers/golden/" + file;
  return json::parse(files::read_file(path), file).at("cases").as_array();
}

TEST(PreTokenizerGolden, SplitsAndOffsetsMatchTheOracle) {
  bj::array cases = golden_cases("pre_tokenizer_cases.json");
  ASSERT_GT(cases.size(), 20u);
  for (const bj::value& entry : cases) {
    const bj::value& config = entry.at("config");
    SCOPED_TRACE(bj::serialize(config));
    std::unique_ptr<PreTokenizer> pre_tokenizer = make_pre_tokenizer(config, json::JsonPath("case"));
    ASSERT_NE(pre_tokenizer, nullptr);
    for (const bj::value& input : entry.at("inputs").as_array()) {
      std::string text(input.at("text").as_string());
      SCOPED_TRACE(text);
      // Like HF's pre_tokenize_str, an empty input is one empty split until a pre-tokenizer splits it.
      PreTokenizedString pre({Split{NormalizedString(text, 0), std::nullopt}});
      pre_tokenizer->pre_tokenize(pre);
      const bj::array& expected = input.at("splits").as_array();
      ASSERT_EQ(pre.splits().size(), expected.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        const bj::array& split = expected[i].as_array();
        const NormalizedString& actual = pre.splits()[i].normalized;
        EXPECT_EQ(actual.get(), std::string_view(split[0].as_string())) << "split " << i;
        EXPECT_EQ(actual.original_offsets().begin, split[1].to_number<uint32_t>()) << "split " << i;
        EXPECT_EQ(actual.original_offsets().end, split[2].to_number<uint32_t>()) << "split " << i;
      }
    }
  }
}

TEST(RegexGolden, MatchesAndCompileErrorsMatchOniguruma) {
  bj::array cases = golden_cases("regex_cases.json");
  ASSERT_GT(cases.size(), 20u);
  for (const bj::value& entry : cases) {
    std::string pattern(entry.at("pattern").as_string());
    SCOPED_TRACE(pattern);
    if (entry.as_object().contains("error")) {
      EXPECT_THROW(Regex{pattern}, Error);
      continue;
    }
    for (Regex::Engine engine : {Regex::Engine::automatic, Regex::Engine::pcre2}) {
      Regex regex(pattern, engine);
      for (const bj::value& input : entry.at("inputs").as_array()) {
        std::string text(input.at("text").as_string());
        SCOPED_TRACE(text);
        regex::Matches matches;
        regex.find_matches(text, matches);
        std::erase_if(matches, [](auto range) { return range.first == range.second; });
        const bj::array& expected = input.at("matches").as_array();
        ASSERT_EQ(matches.size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
          EXPECT_EQ(matches[i].first, expected[i].as_array()[0].to_number<size_t>());
          EXPECT_EQ(matches[i].second, expected[i].as_array()[1].to_number<size_t>());
        }
      }
    }
  }
}

}  // namespace
}  // namespace gatehouse::tokenizer
