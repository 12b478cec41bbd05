// TextOutput: incremental text and stop strings, token by token as the engine produces them.
#include "serve/text_output.h"

#include <gtest/gtest.h>

#include "test_tokenizer.h"

namespace gatehouse::serve {
namespace {

using testing::ids;
using testing::llama3_tokenizer;

// Feeds the tokens one at a time (the last one marked finished when `finish`); returns the
// concatenated deltas and the stop string, if one matched.
std::pair<std::string, std::optional<std::string>> run(TextOutput& output, const std::vector<int32_t>& tokens, bool finish = true) {
  std::string text;
  for (size_t i = 0; i < tokens.size(); ++i) {
    TextOutput::Delta delta = output.add({&tokens[i], 1}, finish && i + 1 == tokens.size());
    text += delta.text;
    if (delta.stop_string) return {text, delta.stop_string};
  }
  return {text, std::nullopt};
}

TEST(TextOutput, StreamsTheDecodedText) {
  StopStrings none;
  TextOutput output(llama3_tokenizer(), true, none);
  const std::string text = "Hello world, ünïcödé and 漢字 too.";
  auto [streamed, stop] = run(output, ids(text));
  EXPECT_EQ(streamed, text);
  EXPECT_EQ(output.text(), text);
  EXPECT_FALSE(stop);
}

TEST(TextOutput, CutsBeforeAStopStringThatSpansTokens) {
  StopStrings stop{.strings = {"brown fox"}};
  TextOutput output(llama3_tokenizer(), true, stop);
  auto [streamed, matched] = run(output, ids("The quick brown fox jumps"), false);
  ASSERT_TRUE(matched);
  EXPECT_EQ(*matched, "brown fox");
  EXPECT_EQ(streamed, "The quick ");
  EXPECT_EQ(output.text(), "The quick ");
}

TEST(TextOutput, HoldsBackTextThatMayStartAStopString) {
  StopStrings stop{.strings = {"XYZ"}};
  TextOutput output(llama3_tokenizer(), true, stop);
  const std::vector<int32_t> tokens = ids("abc XY");
  std::string sent;
  for (int32_t token : tokens) sent += output.add({&token, 1}, false).text;
  // Two characters ("XY" is one less than the stop string) are held back while streaming.
  EXPECT_EQ(sent, "abc ");
  const int32_t end = ids(" done").front();
  sent += output.add({&end, 1}, true).text;
  EXPECT_EQ(sent, "abc XY done");
}

TEST(TextOutput, HoldbackCountsCharactersNotBytes) {
  StopStrings stop{.strings = {"äöü"}};
  TextOutput output(llama3_tokenizer(), true, stop);
  std::string sent;
  for (int32_t token : ids("xx äö")) sent += output.add({&token, 1}, false).text;
  EXPECT_EQ(sent, "xx ");  // " äö"... minus two characters: never half a character
}

TEST(TextOutput, IncludeStopStringKeepsItAndHoldsNothingBack) {
  StopStrings stop{.strings = {"fox"}, .include_in_output = true};
  TextOutput output(llama3_tokenizer(), true, stop);
  auto [streamed, matched] = run(output, ids("the fox ran"), false);
  ASSERT_TRUE(matched);
  EXPECT_EQ(streamed, "the fox");
}

TEST(TextOutput, EarliestStopStringWins) {
  StopStrings stop{.strings = {"ran", "fox"}};
  TextOutput output(llama3_tokenizer(), true, stop);
  auto [streamed, matched] = run(output, ids("the fox ran"), false);
  ASSERT_TRUE(matched);
  EXPECT_EQ(*matched, "fox");
  EXPECT_EQ(streamed, "the ");
}

TEST(TextOutput, StopStringsWaitForMinTokens) {
  const std::vector<int32_t> tokens = ids("stop here then stop again");
  StopStrings stop{.strings = {"stop"}, .min_tokens = 3};
  TextOutput output(llama3_tokenizer(), true, stop);
  auto [streamed, matched] = run(output, tokens, false);
  ASSERT_TRUE(matched);
  EXPECT_EQ(streamed, "stop here then ");
}

TEST(TextOutput, SkipsSpecialTokensWhenAsked) {
  const std::vector<int32_t> tokens = {static_cast<int32_t>(*llama3_tokenizer().token_to_id("<|eot_id|>"))};
  StopStrings none;
  TextOutput skipping(llama3_tokenizer(), true, none);
  EXPECT_EQ(run(skipping, tokens).first, "");
  TextOutput keeping(llama3_tokenizer(), false, none);
  EXPECT_EQ(run(keeping, tokens).first, "<|eot_id|>");
}

}  // namespace
}  // namespace gatehouse::serve
