#include <gtest/gtest.h>

#include "base/error.h"
#include "grammar/grammar.h"
#include "grammar/reference_recognizer.h"

namespace gatehouse::grammar {
namespace {

TEST(GrammarBuilder, LiteralsRepetitionsAndChoices) {
  GrammarBuilder b;
  Sequence root = b.literal("a");
  root.push_back(b.repeat(b.byte('b'), 2, 4));
  root.push_back(b.optional(b.byte('c')));
  root.push_back(b.choice({b.literal("x"), b.literal("yz")}));
  Grammar g = std::move(b).build(b.add_rule("root", {root}));
  EXPECT_TRUE(matches(g, "abbx"));
  EXPECT_TRUE(matches(g, "abbbbcyz"));
  EXPECT_FALSE(matches(g, "abx"));
  EXPECT_FALSE(matches(g, "abbbbbx"));
  EXPECT_FALSE(matches(g, "abbc"));
  EXPECT_TRUE(is_viable_prefix(g, "abbc"));
  EXPECT_FALSE(is_viable_prefix(g, "abbcc"));
}

TEST(GrammarBuilder, CodepointRangesAreUtf8) {
  GrammarBuilder b;
  Element any_but_quote = b.codepoints({{'"', '"'}}, /*negated=*/true);
  Grammar g = std::move(b).build(b.add_rule("root", {{b.star(any_but_quote)}}));
  EXPECT_TRUE(matches(g, "héllo wörld 日本 🎉"));
  EXPECT_FALSE(matches(g, "a\"b"));
  EXPECT_FALSE(matches(g, "\xC3"));            // a lead byte alone
  EXPECT_TRUE(is_viable_prefix(g, "\xC3"));    // ... that can still complete
  EXPECT_FALSE(matches(g, "\xED\xA0\x80"));    // an encoded surrogate
  EXPECT_FALSE(matches(g, "\xC0\xAF"));        // an overlong encoding
}

TEST(GrammarBuilder, NarrowCodepointRanges) {
  for (auto [lo, hi] : std::vector<std::pair<char32_t, char32_t>>{{0x7F, 0x81}, {0x7FF, 0x801}, {0xFFF0, 0x10010}, {0x3B1, 0x3C9}}) {
    GrammarBuilder b;
    Grammar g = std::move(b).build(b.add_rule("root", {{b.codepoint_range(lo, hi)}}));
    auto utf8 = [](char32_t cp) {
      std::string s;
      if (cp < 0x80) s += static_cast<char>(cp);
      else if (cp < 0x800) { s += static_cast<char>(0xC0 | (cp >> 6)); s += static_cast<char>(0x80 | (cp & 0x3F)); }
      else if (cp < 0x10000) { s += static_cast<char>(0xE0 | (cp >> 12)); s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); s += static_cast<char>(0x80 | (cp & 0x3F)); }
      else { s += static_cast<char>(0xF0 | (cp >> 18)); s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F)); s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); s += static_cast<char>(0x80 | (cp & 0x3F)); }
      return s;
    };
    for (char32_t cp = lo > 3 ? lo - 3 : 0; cp <= hi + 3; ++cp) {
      EXPECT_EQ(matches(g, utf8(cp)), cp >= lo && cp <= hi) << std::hex << static_cast<uint32_t>(cp);
    }
  }
}

TEST(GrammarBuilder, RefusesLeftRecursionAndUndefinedRules) {
  {
    GrammarBuilder b;
    int32_t e = b.declare("expr");
    Sequence recursive{GrammarBuilder::ref(e)};
    recursive.push_back(b.byte('+'));
    recursive.push_back(b.byte('1'));
    b.define(e, {recursive, b.literal("1")});
    EXPECT_THROW(std::move(b).build(e), Error);
  }
  {
    GrammarBuilder b;
    int32_t r = b.declare("never");
    EXPECT_THROW(std::move(b).build(r), Error);
  }
  {
    // A trailing self-reference is a loop, which the matcher runs.
    GrammarBuilder b;
    Element star = b.star(b.optional(b.byte('a')));
    EXPECT_NO_THROW(std::move(b).build(b.add_rule("root", {{star}})));
  }
}

}  // namespace
}  // namespace gatehouse::grammar
