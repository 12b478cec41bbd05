// OutputConstraints on Llama 3's tokenizer: a constraint compiles into the engine's factory, masks
// what may come next, starts only after the reasoning's end when asked, and a constraint that does
// not compile is an InvalidParameter naming the field it came from.
#include <gtest/gtest.h>

#include "base/error.h"
#include "serve/output_constraints.h"
#include "test_tokenizer.h"

namespace gatehouse::serve {
namespace {

using testing::ids;
using testing::llama3_tokenizer;

constexpr int32_t kEot = 128009;
constexpr int64_t kVocab = 128256;

bool allowed(const std::vector<uint32_t>& mask, int32_t token) { return (mask[static_cast<size_t>(token) >> 5] >> (token & 31)) & 1; }

int32_t single(const std::string& text) {
  const auto tokens = ids(text);
  EXPECT_EQ(tokens.size(), 1u) << text;
  return tokens.at(0);
}

TEST(OutputConstraints, MasksFollowTheGrammarAndEndOnlyWhenComplete) {
  OutputConstraints constraints(llama3_tokenizer(), {kEot}, kVocab);
  auto factory = constraints.factory({OutputConstraint::Kind::regex, "[0-9]{2}x", "structured_outputs"});
  auto constraint = factory->start();
  std::vector<uint32_t> mask((kVocab + 31) / 32);
  constraint->allowed_tokens(mask);
  EXPECT_TRUE(allowed(mask, single("12")));
  EXPECT_TRUE(allowed(mask, single("1")));
  EXPECT_FALSE(allowed(mask, single("123")));
  EXPECT_FALSE(allowed(mask, single("x")));
  EXPECT_FALSE(allowed(mask, kEot));
  constraint->accept(single("12"));
  constraint->allowed_tokens(mask);
  EXPECT_TRUE(allowed(mask, single("x")));
  EXPECT_FALSE(allowed(mask, kEot));
  constraint->accept(single("x"));
  constraint->allowed_tokens(mask);
  EXPECT_TRUE(allowed(mask, kEot));
  EXPECT_FALSE(allowed(mask, single("1")));
}

// A schema nested deeper than Boost.JSON's default limit (32 levels) compiles: its text is read
// with the limit every request body gets.
TEST(OutputConstraints, DeeplyNestedSchemasCompile) {
  std::string schema = R"({"type":"integer"})";
  for (int level = 0; level < 20; ++level) schema = R"({"type":"object","properties":{"a":)" + schema + R"(},"required":["a"]})";
  OutputConstraints constraints(llama3_tokenizer(), {kEot}, kVocab);
  auto constraint = constraints.factory({OutputConstraint::Kind::json_schema, schema, "response_format"})->start();
  std::vector<uint32_t> mask((kVocab + 31) / 32);
  constraint->allowed_tokens(mask);
  EXPECT_TRUE(allowed(mask, single("{")));
  EXPECT_FALSE(allowed(mask, single("1")));
  EXPECT_FALSE(allowed(mask, kEot));
}

TEST(OutputConstraints, MasksAreAsWideAsTheModelsLogitsWhenTheTokenizerHasMoreIds) {
  // Llama 3's tokenizer has 128,256 ids; a model with 128,000 logits never draws the last ones.
  constexpr int64_t kNarrow = 128000;
  OutputConstraints constraints(llama3_tokenizer(), {127999}, kNarrow);
  auto constraint = constraints.factory({OutputConstraint::Kind::choice, R"(["yes"])", "structured_outputs"})->start();
  std::vector<uint32_t> mask((kNarrow + 31) / 32);
  constraint->allowed_tokens(mask);
  EXPECT_TRUE(allowed(mask, single("yes")));
  constraint->accept(single("yes"));
  constraint->allowed_tokens(mask);
  EXPECT_TRUE(allowed(mask, 127999));
}

TEST(OutputConstraints, StartsAfterTheReasoningEnds) {
  OutputConstraints constraints(llama3_tokenizer(), {kEot}, kVocab);
  auto constraint = constraints.factory({OutputConstraint::Kind::choice, R"(["yes","no"])", "structured_outputs"}, "</think>")->start();
  std::vector<uint32_t> mask((kVocab + 31) / 32);
  for (int32_t token : ids("Let me think... </think")) {
    constraint->allowed_tokens(mask);
    EXPECT_TRUE(allowed(mask, token));  // free text while reasoning
    constraint->accept(token);
  }
  constraint->allowed_tokens(mask);
  EXPECT_TRUE(allowed(mask, single("hello")));
  constraint->accept(single(">"));  // "</think>" is now complete
  constraint->allowed_tokens(mask);
  EXPECT_FALSE(allowed(mask, single("hello")));
  EXPECT_TRUE(allowed(mask, single("yes")));
}

TEST(OutputConstraints, ErrorsNameTheFieldTheConstraintCameFrom) {
  OutputConstraints constraints(llama3_tokenizer(), {kEot}, kVocab);
  const std::vector<OutputConstraint> bad{
      {OutputConstraint::Kind::json_schema, R"({"type":"array","uniqueItems":true})", "response_format"},
      {OutputConstraint::Kind::regex, "(a", "guided_regex"},
      {OutputConstraint::Kind::grammar, "", "structured_outputs"},
      {OutputConstraint::Kind::json_schema, "{not json", "guided_json"},
  };
  for (const OutputConstraint& constraint : bad) {
    try {
      constraints.factory(constraint);
      ADD_FAILURE() << constraint.spec;
    } catch (const InvalidParameter& error) {
      EXPECT_EQ(error.parameter(), constraint.source);
    }
  }
}

TEST(OutputConstraints, ReadsItsServerConfig) {
  EXPECT_EQ(read_structured_outputs_config("").max_whitespace, kDefaultMaxWhitespace);
  EXPECT_FALSE(read_structured_outputs_config(R"({"disable_any_whitespace": true, "backend": "xgrammar"})").any_whitespace);
  EXPECT_EQ(read_structured_outputs_config(R"({"max_whitespace": -1})").max_whitespace, -1);
  EXPECT_THROW(read_structured_outputs_config(R"({"max_whitespace": "8"})"), Error);
  EXPECT_THROW(read_structured_outputs_config(R"({"whitespace_pattern": " *"})"), Error);
  EXPECT_THROW(read_structured_outputs_config("[]"), Error);
}

}  // namespace
}  // namespace gatehouse::serve
