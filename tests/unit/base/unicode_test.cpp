#include "base/unicode.h"

#include <gtest/gtest.h>

#include "base/secret_string.h"

#include <sstream>

namespace gatehouse {
namespace {

TEST(UnicodeTest, WhiteSpaceIsTheUnicodeProperty) {
  for (char32_t c : {U' ', U'\t', U'\n', U'\r', U'\u000B', U'\u000C', U'\u0085', U'\u00A0', U'\u2003', U'\u3000', U'\u2028'}) {
    EXPECT_TRUE(unicode::is_white_space(c)) << uint32_t(c);
  }
  for (char32_t c : {U'a', U'\u200B', U'\uFEFF', U'\u180E', U'_'}) EXPECT_FALSE(unicode::is_white_space(c)) << uint32_t(c);
}

TEST(UnicodeTest, WordCharsFollowRegexBackslashW) {
  for (char32_t c : {U'a', U'Z', U'0', U'_', U'\u00E9', U'\u4E2D', U'\u0301', U'\u0663', U'\u200D'}) {
    EXPECT_TRUE(unicode::is_word_char(c)) << uint32_t(c);
  }
  for (char32_t c : {U' ', U'-', U'!', U'\u00A0', U'\U0001F600'}) EXPECT_FALSE(unicode::is_word_char(c)) << uint32_t(c);
}

TEST(SecretStringTest, NeverPrintsItsValue) {
  SecretString secret("hf_" + std::string(36, 'S'));  // a fake token, spelled out at run time
  std::ostringstream out;
  out << "token=" << secret;
  EXPECT_EQ(out.str(), "token=***");
  EXPECT_EQ(secret.reveal().substr(0, 3), "hf_");
}

}  // namespace
}  // namespace gatehouse
