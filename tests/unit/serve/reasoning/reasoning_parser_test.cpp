// The reasoning parsers: whole answers split as vLLM's deepseek_r1 and qwen3 parsers split them
// (and the generic think parser), and the same answers streamed in pieces of 1, 2 and 3 bytes and
// whole, with tags cut across pieces.
#include "serve/reasoning/reasoning_parser.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gatehouse::serve {
namespace {

using Split = ReasoningSplit;
constexpr std::nullopt_t null = std::nullopt;

struct Case {
  std::string text;
  Split expected;
};

// Streams `text` in pieces of `size` bytes (0: whole). Every delta's text is put together; a
// null side of the whole answer reads as empty here.
ReasoningDelta streamed(const ReasoningParser& parser, const ReasoningOptions& options, std::string_view text, size_t size) {
  std::unique_ptr<ReasoningStream> stream = parser.stream(options);
  ReasoningDelta all;
  const size_t step = size ? size : std::max<size_t>(text.size(), 1);
  for (size_t at = 0; at < text.size(); at += step) {
    ReasoningDelta delta = stream->feed(text.substr(at, step));
    all.reasoning += delta.reasoning;
    all.content += delta.content;
  }
  ReasoningDelta rest = stream->finish();
  all.reasoning += rest.reasoning;
  all.content += rest.content;
  return all;
}

void expect_cases(const std::string& name, const std::vector<Case>& cases, ReasoningOptions options = {}) {
  const std::unique_ptr<ReasoningParser> parser = make_reasoning_parser(name);
  for (const Case& c : cases) {
    const Split whole = parser->split(c.text, options);
    EXPECT_EQ(whole.reasoning, c.expected.reasoning) << name << ": " << c.text;
    EXPECT_EQ(whole.content, c.expected.content) << name << ": " << c.text;
    for (size_t size : {1, 2, 3, 0}) {
      const ReasoningDelta delta = streamed(*parser, options, c.text, size);
      EXPECT_EQ(delta.reasoning, c.expected.reasoning.value_or("")) << name << " in pieces of " << size << ": " << c.text;
      EXPECT_EQ(delta.content, c.expected.content.value_or("")) << name << " in pieces of " << size << ": " << c.text;
    }
  }
}

TEST(ReasoningParser, DeepSeekR1IsReasoningUntilTheEndTag) {
  expect_cases("deepseek_r1",
               {
                   // The template opened <think>, so the answer starts inside it.
                   {"Okay, 2 + 2.\nThat is 4.\n</think>\n\nThe answer is **4**.", {"Okay, 2 + 2.\nThat is 4.\n", "\n\nThe answer is **4**."}},
                   // Older templates let the model open it: the tag goes.
                   {"<think>\nHmm.\n</think>\n\nHi!", {"\nHmm.\n", "\n\nHi!"}},
                   // Cut short: all reasoning, content null.
                   {"Let me count the letters: s, t, r", {"Let me count the letters: s, t, r", null}},
                   {"</think>", {"", null}},
                   {"", {"", null}},
                   {"no reasoning</think>", {"no reasoning", null}},
                   // Only the first </think> ends it; a later one is content.
                   {"a</think>b</think>c", {"a", "b</think>c"}},
                   {"Grübeln über π…</think>Ergebnis: 3,14", {"Grübeln über π…", "Ergebnis: 3,14"}},
                   // Text that only looks like the start of a tag stays.
                   {"x </thin y</think>z <", {"x </thin y", "z <"}},
               });
}

TEST(ReasoningParser, Qwen3HonoursEnableThinkingAndToolCallsInTheThinking) {
  const std::vector<Case> thinking = {
      {"The user greets me.\n</think>\n\nHello! How can I help?", {"The user greets me.\n", "\n\nHello! How can I help?"}},
      {"<think>\nplan\n</think>\n\ndone", {"\nplan\n", "\n\ndone"}},
      {"truncated thoughts", {"truncated thoughts", null}},
      // Qwen3.5 may call a tool from inside its thinking: the call ends the reasoning and is content.
      {"I need the weather.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>",
       {"I need the weather.\n", "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>"}},
      {"<tool_call><function name=\"f\">", {null, "<tool_call><function name=\"f\">"}},
      // A mere mention of <tool_call> does not end it.
      {"Should I use <tool_call> here? No.</think>Answer", {"Should I use <tool_call> here? No.", "Answer"}},
      {"ends with <tool_call>\n<function", {"ends with <tool_call>\n<function", null}},
      {"<tool_call><functional>", {"<tool_call><functional>", null}},
  };
  expect_cases("qwen3", thinking);
  expect_cases("qwen3", thinking, ReasoningOptions{.thinking = true});
  // enable_thinking=false: the template closed the block in the prompt; everything is content.
  expect_cases("qwen3",
               {
                   {"Hello! How can I help?", {null, "Hello! How can I help?"}},
                   {"", {null, ""}},
               },
               ReasoningOptions{.thinking = false});
}

TEST(ReasoningParser, ThinkReasonsOnlyWhenTheAnswerOpensTheBlock) {
  expect_cases("think",
               {
                   {"<think>\nThe user wants a haiku.\n</think>\n\nAutumn moonlight", {"\nThe user wants a haiku.\n", "\n\nAutumn moonlight"}},
                   {"\n\n<think>a</think>b", {"a", "b"}},
                   {"Plain answer, no thinking.", {null, "Plain answer, no thinking."}},
                   {"<thinking> is an HTML-like word", {null, "<thinking> is an HTML-like word"}},
                   {"  <thi", {null, "  <thi"}},
                   {"   ", {null, "   "}},
                   {"<think>unfinished", {"unfinished", null}},
                   {"Answer first, then <think>x</think>", {null, "Answer first, then <think>x</think>"}},
               });
}

TEST(ReasoningParser, ATagAloneInAStepSendsNothing) {
  const std::unique_ptr<ReasoningStream> stream = make_reasoning_parser("deepseek_r1")->stream({});
  ReasoningDelta first = stream->feed("Thinking");
  EXPECT_EQ(first.reasoning, "Thinking");
  for (std::string_view piece : {"</", "think", ">"}) {
    ReasoningDelta held = stream->feed(piece);
    EXPECT_TRUE(held.reasoning.empty() && held.content.empty()) << piece;
  }
  ReasoningDelta after = stream->feed("Done");
  EXPECT_EQ(after.reasoning, "");
  EXPECT_EQ(after.content, "Done");
  ReasoningDelta rest = stream->finish();
  EXPECT_TRUE(rest.reasoning.empty() && rest.content.empty());
}

TEST(ReasoningParser, UnknownNamesListTheKnownOnes) {
  EXPECT_EQ(reasoning_parser_names(), (std::vector<std::string>{"deepseek_r1", "qwen3", "think"}));
  try {
    make_reasoning_parser("granite");
    ADD_FAILURE() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    EXPECT_STREQ(error.what(), "invalid reasoning parser: granite (chose from { deepseek_r1,qwen3,think })");
  }
}

}  // namespace
}  // namespace gatehouse::serve
