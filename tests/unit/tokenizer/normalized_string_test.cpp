#include "tokenizer/normalized_string.h"

#include <gtest/gtest.h>

namespace gatehouse::tokenizer {
namespace {

// Expected alignments follow HF's transform_range rules (tk/tokenizer/normalizer.rs): a replacing
// char keeps the alignment of the char it replaces, an inserted one copies the byte before it.

TEST(NormalizedStringTest, IdentityMapsBytesToOrigin) {
  NormalizedString text("hello", 10);
  EXPECT_EQ(text.original_offsets(1, 3), (Offsets{11, 13}));
  NormalizedString piece = text.slice(2, 5);
  EXPECT_EQ(piece.get(), "llo");
  EXPECT_EQ(piece.original_offsets(), (Offsets{12, 15}));
}

TEST(NormalizedStringTest, PrependAlignsToFirstChar) {
  NormalizedString text("ab", 4);
  text.prepend("\u2581");
  EXPECT_EQ(text.get(), "\u2581ab");
  EXPECT_EQ(text.original_offsets(0, 3), (Offsets{4, 5}));
  EXPECT_EQ(text.original_offsets(3, 4), (Offsets{4, 5}));
  EXPECT_EQ(text.original_offsets(4, 5), (Offsets{5, 6}));
  EXPECT_EQ(text.original_offsets(), (Offsets{4, 6}));
}

TEST(NormalizedStringTest, AppendAlignsToLastChar) {
  NormalizedString text("a\u00e9", 0);
  text.append("!!");
  EXPECT_EQ(text.get(), "a\u00e9!!");
  EXPECT_EQ(text.original_offsets(3, 5), (Offsets{1, 3}));
  EXPECT_EQ(text.original_offsets(0, 1), (Offsets{0, 1}));
}

TEST(NormalizedStringTest, ReplaceAndRemoveChars) {
  NormalizedString text("a  b", 0);
  // "a", then " " replacing the first space and removing the second, then "b".
  text.transform({{U'a', 0}, {U'_', -1}, {U'b', 0}}, 0);
  EXPECT_EQ(text.get(), "a_b");
  EXPECT_EQ(text.original_offsets(1, 2), (Offsets{1, 2}));
  EXPECT_EQ(text.original_offsets(2, 3), (Offsets{3, 4}));
}

TEST(NormalizedStringTest, InitialOffsetDropsLeadingChars) {
  NormalizedString text("  xy", 0);
  text.transform({{U'x', 0}, {U'y', 0}}, 2);
  EXPECT_EQ(text.get(), "xy");
  EXPECT_EQ(text.original_offsets(0, 2), (Offsets{2, 4}));
}

TEST(NormalizedStringTest, ExpandingCharSharesItsSource) {
  NormalizedString text("x\u00df", 0);  // ß -> "ss" as an uppercase mapping would
  text.transform(1, 3, {{U'S', 0}, {U'S', 1}}, 0);
  EXPECT_EQ(text.get(), "xSS");
  EXPECT_EQ(text.original_offsets(1, 2), (Offsets{1, 3}));
  EXPECT_EQ(text.original_offsets(2, 3), (Offsets{1, 3}));
}

}  // namespace
}  // namespace gatehouse::tokenizer
