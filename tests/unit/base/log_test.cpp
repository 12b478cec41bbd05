// The logger writes whatever it is given as one printable line: no line breaks, no terminal
// escape sequences, no bytes that are not UTF-8, and no line longer than kMaxLineBytes.
#include "base/log.h"

#include <gtest/gtest.h>

#include <string>

#include "base/utf8.h"

namespace gatehouse::log {
namespace {

TEST(LogPrintable, KeepsTextAndEscapesLineBreaksAndControls) {
  EXPECT_EQ(printable("plain text, \"quoted\" and \\ backslash"), "plain text, \"quoted\" and \\ backslash");
  EXPECT_EQ(printable("caf\u00e9 \u6570\u636e \U0001F44D"), "caf\u00e9 \u6570\u636e \U0001F44D");
  EXPECT_EQ(printable("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(printable(std::string("nul\0end", 7)), "nul\\x00end");
  EXPECT_EQ(printable("\x1b[31mred\x1b[0m \x07 \x7f"), "\\x1B[31mred\\x1B[0m \\x07 \\x7F");
  // C1 controls (U+009B is a one-character CSI), line separators and bidirectional overrides.
  EXPECT_EQ(printable("\u009b31m \u0085 \u2028 \u2029 \u202e \u2066"),
            "\\u{009B}31m \\u{0085} \\u{2028} \\u{2029} \\u{202E} \\u{2066}");
}

TEST(LogPrintable, BytesThatAreNotUtf8AreShownAsHex) {
  EXPECT_EQ(printable("a\xff\xfe" "b"), "a\\xFF\\xFEb");
  EXPECT_EQ(printable("cut \xe6\x95"), "cut \\xE6\\x95");
  EXPECT_EQ(printable("overlong \xc0\xaf"), "overlong \\xC0\\xAF");
  EXPECT_EQ(printable("surrogate \xed\xa0\x80"), "surrogate \\xED\\xA0\\x80");
  // U+FFFD itself is text.
  EXPECT_EQ(printable("\xef\xbf\xbd"), "\xef\xbf\xbd");
}

std::string logged(const std::string& message) {
  testing::internal::CaptureStderr();
  GH_LOG(warn) << message;
  return testing::internal::GetCapturedStderr();
}

TEST(LogLine, AForgedLineStaysOnOneLine) {
  const std::string out = logged("field \"x\nINFO serve: forged\x1b]0;title\x07\" ignored");
  EXPECT_EQ(out.find('\n'), out.size() - 1) << out;
  EXPECT_NE(out.find("WARN field \"x\\nINFO serve: forged\\x1B]0;title\\x07\" ignored"), std::string::npos) << out;
}

TEST(LogLine, ALongMessageIsCutSayingHowMuch) {
  const std::string out = logged(std::string(kMaxLineBytes + 1000, 'k'));
  EXPECT_LT(out.size(), kMaxLineBytes + 100);
  EXPECT_NE(out.find("... (1000 more bytes)\n"), std::string::npos);
  // Cut between characters, never inside one.
  std::string wide;
  while (wide.size() < kMaxLineBytes + 10) wide += "\u6570";
  const std::string cut = logged(wide);
  EXPECT_TRUE(utf8::is_valid(cut)) << cut.substr(cut.size() - 40);
  EXPECT_NE(cut.find("more bytes)\n"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::log
