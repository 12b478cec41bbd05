// The matcher's masks against the reference recognizer: a token is allowed exactly when the
// output so far followed by the token can still become a sentence of the grammar.
#include <gtest/gtest.h>

#include <random>

#include <boost/json.hpp>

#include "grammar/json_schema.h"
#include "grammar/matcher.h"
#include "grammar/reference_recognizer.h"

namespace gatehouse::grammar {
namespace {

constexpr int32_t kEnd = 1;  // the end token; id 0 is a special (control) token

std::shared_ptr<const TokenVocabulary> test_vocabulary() {
  std::vector<std::optional<std::string>> tokens{std::nullopt, std::nullopt};
  for (int c = 0x20; c < 0x7f; ++c) tokens.push_back(std::string(1, static_cast<char>(c)));
  for (const char* piece : {"{\"", "\":", "\",", "\"}", " \"", "\": \"", "true", "tr", "ue", "null", "false",
                            "12", "3.", "-1", "e+", "ab", "abc\"", "\"a", "\\n", "\\\"", "\\u00", "\n", "\n  ",
                            "  ", "é", "日本", "\xC3", "\xA9", "\xE6\x97", "}", "]}", "[1", ", ", "\"b\"", "\"c\":",
                            "\":[", "\"},{\"", "0", "00", "1e", ".5", "a\"}", "\"\"", "\t"}) {
    tokens.push_back(std::string(piece));
  }
  const int64_t size = static_cast<int64_t>(tokens.size());
  return std::make_shared<TokenVocabulary>(std::move(tokens), std::vector<int32_t>{kEnd}, size + 5);
}

// {"a": "<string>", "b": [<int>, ...], ("c": true|false)?} with optional whitespace.
Grammar small_json_grammar() {
  GrammarBuilder b;
  Element ws = b.star(b.bytes([] {
    ByteSet s = ByteSet::of(' ');
    s.add('\n');
    s.add('\t');
    return s;
  }()));
  Element character = b.choice({{b.codepoints({{'"', '"'}, {'\\', '\\'}, {0, 0x1F}}, true)},
                                {b.byte('\\'), b.bytes([] {
                                   ByteSet s;
                                   for (char c : std::string("\"\\/bfnrt")) s.add(static_cast<uint8_t>(c));
                                   return s;
                                 }())}});
  Sequence string_seq{b.byte('"'), b.star(character), b.byte('"')};
  Element string = b.group(string_seq);
  Element digit = b.bytes(ByteSet::range('0', '9'));
  Element integer = b.group({b.optional(b.byte('-')), b.choice({{b.byte('0')}, {b.bytes(ByteSet::range('1', '9')), b.star(digit)}})});
  auto key = [&](const char* name) {
    Sequence s{ws};
    for (Element e : b.literal(std::string("\"") + name + "\"")) s.push_back(e);
    s.push_back(ws);
    s.push_back(b.byte(':'));
    s.push_back(ws);
    return s;
  };
  Sequence items{integer, ws, b.star(b.group({b.byte(','), ws, integer, ws}))};
  Sequence array{b.byte('['), ws, b.optional(b.group(items)), b.byte(']')};
  Sequence object{b.byte('{')};
  for (Element e : key("a")) object.push_back(e);
  object.push_back(string);
  object.push_back(ws);
  object.push_back(b.byte(','));
  for (Element e : key("b")) object.push_back(e);
  object.push_back(b.group(array));
  object.push_back(ws);
  Sequence c_part{b.byte(',')};
  for (Element e : key("c")) c_part.push_back(e);
  c_part.push_back(b.choice({b.literal("true"), b.literal("false")}));
  c_part.push_back(ws);
  object.push_back(b.optional(b.group(c_part)));
  object.push_back(b.byte('}'));
  Sequence root{ws, b.group(object), ws};
  return std::move(b).build(b.add_rule("root", {root}));
}

bool bit(const std::vector<uint32_t>& mask, int32_t token) { return (mask[static_cast<size_t>(token) >> 5] >> (token & 31)) & 1; }

// Random walks through `grammar` (a random allowed token each step, the end favoured once
// possible); at every step each token's bit must say whether the reference can still complete the
// output with it. Returns how many walks reached the end.
int expect_masks_agree_with_reference(const Grammar& grammar, const std::shared_ptr<const TokenVocabulary>& vocabulary,
                                      int walks, uint32_t seed) {
  auto compiled = std::make_shared<CompiledGrammar>(grammar, vocabulary);
  std::mt19937 random(seed);
  int complete = 0;
  for (int walk = 0; walk < walks; ++walk) {
    GrammarMatcher matcher(compiled);
    std::vector<uint32_t> mask(matcher.mask_words());
    std::string output;
    EarleyRecognizer reference(grammar);
    for (int step = 0; step < 40; ++step) {
      const size_t here = reference.position();
      const bool complete_here = reference.complete();
      matcher.fill_mask(mask);
      std::vector<int32_t> allowed;
      for (int32_t token = 0; token < vocabulary->logits_size(); ++token) {
        bool expected = false;
        if (token == kEnd) {
          expected = complete_here;
        } else if (vocabulary->is_text(token)) {
          expected = reference.feed(vocabulary->bytes(token));
          reference.rewind(here);
        }
        EXPECT_EQ(bit(mask, token), expected) << "after '" << output << "' token " << token << " '"
                                              << (vocabulary->is_text(token) ? vocabulary->bytes(token) : "") << "'";
        if (expected) allowed.push_back(token);
      }
      if (testing::Test::HasFailure()) return complete;
      EXPECT_EQ(matcher.can_end(), complete_here);
      if (allowed.empty()) {
        ADD_FAILURE() << "no token allowed after '" << output << "'";
        return complete;
      }
      int32_t token = matcher.can_end() && random() % 3 == 0 ? kEnd : allowed[random() % allowed.size()];
      EXPECT_TRUE(matcher.accept(token));
      if (token == kEnd) {
        EXPECT_TRUE(matcher.ended());
        ++complete;
        break;
      }
      output += vocabulary->bytes(token);
      EXPECT_TRUE(reference.feed(vocabulary->bytes(token)));
    }
  }
  return complete;
}

TEST(GrammarMatcher, MasksAgreeWithTheReferenceOnRandomWalks) {
  EXPECT_GT(expect_masks_agree_with_reference(small_json_grammar(), test_vocabulary(), 200, 7), 0);
}

// JSON strings under a schema: free strings (whose content is a loop over one-character rules),
// bounded ones (nested optionals), and a pattern, in several places, so that walks are shared
// between contexts. The vocabulary's tokens cross every border of a string: quotes with what may
// follow them, escapes cut anywhere, control bytes, whole and partial UTF-8 characters.
TEST(GrammarMatcher, StringMasksAgreeWithTheReferenceOnTrickyTokens) {
  std::vector<std::optional<std::string>> tokens{std::nullopt, std::nullopt};
  for (int c = 0x20; c < 0x7f; ++c) tokens.push_back(std::string(1, static_cast<char>(c)));
  for (const char* piece : {"\",", "\":", "\"}", "\"]", "\"],", "\"}]", "\":\"", "\", \"", "\":[\"", "a\"", "ab\",",
                            "x\"}", "\\\"", "\\n", "\\u", "\\u0", "\\u00", "\\u00e9", "\\ud", "\\uD8", "n\\",
                            "\\\"\"", "\n", "\t", "\x01", "a\x1f", "\x1f\"", "\x7f", "\xC3", "\xA9", "\xC3\xA9", "é\"", "\xE6\x97",
                            "\xA5\"", "日本", "😀", "\xF0\x9F", "\x98\x80\"", "abc", "abcd", "hello", " world", "12", "-3",
                            "{\"", "[\"", "[]", "{}", "\"\"", "\"\",\""}) {
    tokens.push_back(std::string(piece));
  }
  const int64_t size = static_cast<int64_t>(tokens.size());
  auto vocabulary = std::make_shared<TokenVocabulary>(std::move(tokens), std::vector<int32_t>{kEnd}, size + 3);
  const Grammar grammar = compile_json_schema(boost::json::parse(R"({
    "type": "object",
    "properties": {
      "s": {"type": "string"},
      "t": {"type": "string", "maxLength": 3},
      "u": {"type": "array", "items": {"type": "string"}},
      "p": {"type": "string", "pattern": "^[a-c\\\\]+$"},
      "m": {"type": "object", "additionalProperties": {"type": "string", "minLength": 2}}
    },
    "additionalProperties": false
  })"));
  EXPECT_GT(expect_masks_agree_with_reference(grammar, vocabulary, 150, 3), 0);
}

TEST(GrammarMatcher, RefusesTokensOutsideTheGrammar) {
  auto vocabulary = test_vocabulary();
  auto compiled = std::make_shared<CompiledGrammar>(small_json_grammar(), vocabulary);
  GrammarMatcher matcher(compiled);
  EXPECT_FALSE(matcher.accept(kEnd));  // not complete yet
  EXPECT_FALSE(matcher.accept(0));     // a special token
  EXPECT_FALSE(matcher.accept(vocabulary->logits_size() - 1));  // padding
  EXPECT_TRUE(matcher.accept_bytes("{\"a\": \"x\", \"b\": [1, 2]"));
  EXPECT_FALSE(matcher.accept_bytes(",\"d\""));
  EXPECT_TRUE(matcher.accept_bytes("}"));
  EXPECT_TRUE(matcher.can_end());
  EXPECT_TRUE(matcher.accept(kEnd));
  EXPECT_TRUE(matcher.ended());
}

}  // namespace
}  // namespace gatehouse::grammar
