#include "base/utf8.h"

#include <gtest/gtest.h>

namespace gatehouse::utf8 {
namespace {

TEST(Utf8Test, DecodesEveryLength) {
  std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // a é € 😀
  int length;
  EXPECT_EQ(decode(text, 0, length), U'a');
  EXPECT_EQ(length, 1);
  EXPECT_EQ(decode(text, 1, length), U'\u00E9');
  EXPECT_EQ(length, 2);
  EXPECT_EQ(decode(text, 3, length), U'\u20AC');
  EXPECT_EQ(length, 3);
  EXPECT_EQ(decode(text, 6, length), U'\U0001F600');
  EXPECT_EQ(length, 4);
  EXPECT_TRUE(is_valid(text));
  EXPECT_EQ(count_code_points(text), 4u);
}

TEST(Utf8Test, RejectsOverlongsSurrogatesAndTruncation) {
  for (std::string bad : {std::string("\xC0\xAF"), std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80"),
                          std::string("\xE2\x82"), std::string("\x80"), std::string("\xFF")}) {
    EXPECT_FALSE(is_valid(bad)) << bad;
    EXPECT_EQ(first_invalid("ok" + bad), 2u);
  }
}

TEST(Utf8Test, SanitizeReplacesMaximalSubparts) {
  // Python: b"a\xe2\x82b\xff".decode("utf-8", "replace") == "a\ufffdb\ufffd"
  EXPECT_EQ(sanitize("a\xE2\x82" "b\xFF"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  // A literal U+FFFD in the input is valid and kept.
  EXPECT_TRUE(is_valid("\xEF\xBF\xBD"));
}

TEST(Utf8Test, CompletePrefixHoldsBackUnfinishedSequences) {
  EXPECT_EQ(complete_prefix_length("ab\xE2\x82"), 2u);
  EXPECT_EQ(complete_prefix_length("ab\xE2\x82\xAC"), 5u);
  EXPECT_EQ(complete_prefix_length("ab\xF0\x9F\x98"), 2u);
  EXPECT_EQ(complete_prefix_length("ab"), 2u);
  // An invalid byte will never complete: do not hold it back.
  EXPECT_EQ(complete_prefix_length("ab\xFF"), 3u);
}

TEST(Utf8Test, EncodeRoundTrips) {
  for (char32_t cp : {U'\0', U'A', U'\u07FF', U'\u0800', U'\uFFFF', U'\U00010000', U'\U0010FFFF'}) {
    std::string text = encode(cp);
    int length;
    EXPECT_EQ(decode(text, 0, length), cp);
    EXPECT_EQ(size_t(length), text.size());
  }
}

}  // namespace
}  // namespace gatehouse::utf8
