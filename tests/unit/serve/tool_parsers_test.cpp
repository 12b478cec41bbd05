// Tool-call parsers on whole answers (non-streaming): the calls and content vLLM's hermes,
// llama3_json, mistral and pythonic parsers find in real models' output, and plain text for
// output that only looks like calls.
#include "serve/tool_parsers/tool_parser.h"

#include <gtest/gtest.h>

#include <regex>

#include "base/error.h"

namespace gatehouse::serve {
namespace {

ParsedToolCalls parse(std::string_view parser, std::string_view text) { return make_tool_parser(parser)->parse(text); }

// The calls as "name arguments" lines, for compact expectations.
std::vector<std::string> calls(const ParsedToolCalls& parsed) {
  std::vector<std::string> lines;
  for (const ToolCall& call : parsed.calls) lines.push_back(call.name + " " + call.arguments);
  return lines;
}

// The answer is left as plain text: no calls, the whole text as content.
void expect_plain(std::string_view parser, std::string_view text) {
  const ParsedToolCalls parsed = parse(parser, text);
  EXPECT_TRUE(parsed.calls.empty()) << parser << ": " << text;
  EXPECT_EQ(parsed.content, std::string(text)) << parser << ": " << text;
}

bool is_vllm_tool_call_id(const std::string& id) { return std::regex_match(id, std::regex("chatcmpl-tool-[0-9a-f]{32}")); }

TEST(ToolParserRegistry, KnowsVllmsNames) {
  EXPECT_EQ(tool_parser_names(), (std::vector<std::string>{"hermes", "llama3_json", "llama4_json", "mistral", "pythonic"}));
  for (const std::string& name : tool_parser_names()) EXPECT_TRUE(make_tool_parser(name));
  try {
    make_tool_parser("qwen");
    FAIL() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    EXPECT_EQ(std::string(error.what()),
              "invalid tool call parser: qwen (choose from hermes, llama3_json, llama4_json, mistral, pythonic)");
  }
}

TEST(HermesParser, ReadsQwenCallsAndTheTextBefore) {
  const ParsedToolCalls parsed = parse("hermes",
                                       "I'll check both.\n<tool_call>\n"
                                       R"({"name": "get_current_temperature", "arguments": {"location": "San Francisco, CA, USA", "unit": "celsius"}})"
                                       "\n</tool_call>\n<tool_call>\n"
                                       R"({"name":"get_temperature_date","arguments":{"location":"San Francisco, CA, USA","date":"2024-10-01","unit":"celsius"}})"
                                       "\n</tool_call>");
  EXPECT_EQ(parsed.content, "I'll check both.\n");
  EXPECT_EQ(calls(parsed), (std::vector<std::string>{
                               R"(get_current_temperature {"location": "San Francisco, CA, USA", "unit": "celsius"})",
                               R"(get_temperature_date {"location": "San Francisco, CA, USA", "date": "2024-10-01", "unit": "celsius"})"}));
  ASSERT_EQ(parsed.calls.size(), 2u);
  EXPECT_TRUE(is_vllm_tool_call_id(parsed.calls[0].id));
  EXPECT_TRUE(is_vllm_tool_call_id(parsed.calls[1].id));
  EXPECT_NE(parsed.calls[0].id, parsed.calls[1].id);
}

TEST(HermesParser, ContentIsNullWhenOnlyWhitespacePrecedesTheCalls) {
  EXPECT_EQ(parse("hermes", "\n\n<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>").content, std::nullopt);
  EXPECT_EQ(parse("hermes", "<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>").content, std::nullopt);
}

TEST(HermesParser, AcceptsAnUnclosedLastCallAndDropsTextAfterCalls) {
  const ParsedToolCalls parsed = parse("hermes",
                                       "<tool_call>{\"name\": \"a\", \"arguments\": {\"x\": 1}}</tool_call> between "
                                       "<tool_call>{\"name\": \"b\", \"arguments\": {\"y\": [true, null]}}\n");
  EXPECT_EQ(parsed.content, std::nullopt);
  EXPECT_EQ(calls(parsed), (std::vector<std::string>{R"(a {"x": 1})", R"(b {"y": [true, null]})"}));
  EXPECT_EQ(calls(parse("hermes", "<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call>\nDone, the tool will answer.")),
            (std::vector<std::string>{"a {}"}));
}

TEST(HermesParser, ArgumentsGivenAsAJsonStringAreThatJson) {
  EXPECT_EQ(calls(parse("hermes", R"(<tool_call>{"name": "f", "arguments": "{\"city\":\"Paris\"}"}</tool_call>)")),
            (std::vector<std::string>{R"(f {"city": "Paris"})"}));
  EXPECT_EQ(calls(parse("hermes", R"(<tool_call>{"name": "f", "arguments": "not json"}</tool_call>)")),
            (std::vector<std::string>{R"(f "not json")"}));
}

TEST(HermesParser, ReSerialisesArgumentsAsJsonDumps) {
  EXPECT_EQ(calls(parse("hermes", R"(<tool_call>{"name": "f", "arguments": {"t":1.50,"big":1E3,"s":"caf\u00e9\n"}}</tool_call>)")),
            (std::vector<std::string>{R"(f {"t": 1.5, "big": 1000.0, "s": "café\n"})"}));
}

TEST(HermesParser, AnythingMalformedLeavesPlainText) {
  for (std::string_view text : {
           "Hello, how can I help?",
           "<tool_call>{\"name\": \"f\", \"arguments\": {\"x\": 1}</tool_call>",         // unclosed brace
           "<tool_call>{\"name\": \"f\", \"arguments\": {\"x\": 1}",                     // truncated
           "<tool_call>{\"arguments\": {}}</tool_call>",                                 // no name
           "<tool_call>{\"name\": \"f\"}</tool_call>",                                   // no arguments
           "<tool_call>{\"name\": 7, \"arguments\": {}}</tool_call>",                    // name not a string
           "<tool_call>[1, 2]</tool_call>",
           "<tool_call></tool_call>",
           "<tool_call>{\"name\": \"f\", \"arguments\": {}} extra</tool_call>",
           "<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call><tool_call>oops</tool_call>",  // one bad call
           "Use the <tool_call> tag to call tools.",
           "<tool_call>{\"name\": \"f\", \"arguments\": {\"s\": \"</tool_call>\"}}</tool_call>",  // cut at the first end tag
       }) {
    expect_plain("hermes", text);
  }
}

TEST(Llama3JsonParser, ReadsLlama31Calls) {
  for (std::string_view text : {R"({"name": "get_weather", "parameters": {"city": "Paris"}})",
                                R"(<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}})",
                                R"({"name": "get_weather", "arguments": {"city": "Paris"}})"}) {
    const ParsedToolCalls parsed = parse("llama3_json", text);
    EXPECT_EQ(parsed.content, std::nullopt) << text;
    EXPECT_EQ(calls(parsed), (std::vector<std::string>{R"(get_weather {"city": "Paris"})"})) << text;
    ASSERT_EQ(parsed.calls.size(), 1u);
    EXPECT_TRUE(is_vllm_tool_call_id(parsed.calls[0].id));
  }
}

TEST(Llama3JsonParser, ReadsSeveralCallsAndDropsTheTextAround) {
  EXPECT_EQ(calls(parse("llama4_json", R"({"name": "a", "parameters": {"n": {"deep": [1]}}}; {"name": "b", "parameters": {}})")),
            (std::vector<std::string>{R"(a {"n": {"deep": [1]}})", "b {}"}));
  const ParsedToolCalls parsed = parse("llama3_json", R"(Sure! {"name": "a", "parameters": {"q": "x"}} Hope that helps.)");
  EXPECT_EQ(parsed.content, std::nullopt);
  EXPECT_EQ(calls(parsed), (std::vector<std::string>{R"(a {"q": "x"})"}));
}

TEST(Llama3JsonParser, SkipsABraceRightAfterACallAsVllmDoes) {
  // vLLM's loop skips every '{' up to and including the one just after a decoded object, so a
  // second object glued to the first is not read, and the next '{' (inside it) is not a call.
  expect_plain("llama3_json", R"({"name": "a", "parameters": {}}{"name": "b", "parameters": {"x": 1}})");
}

TEST(Llama3JsonParser, AnythingMalformedLeavesPlainText) {
  for (std::string_view text : {
           "The answer is 42.",
           "<|python_tag|>",
           R"({"answer": 42})",                                     // no name
           R"({"name": "f"})",                                      // no arguments or parameters
           R"({"name": "f", "parameters": {"city": "Paris"})",     // truncated
           R"(Use {curly} braces; {"name": "f", "parameters": {}})",  // a '{' that is not JSON
           R"({"name": ["f"], "parameters": {}})",
       }) {
    expect_plain("llama3_json", text);
  }
}

TEST(MistralParser, ReadsTheFormBeforeV11) {
  const ParsedToolCalls parsed = parse(
      "mistral",
      R"([TOOL_CALLS] [{"name": "get_current_weather", "arguments": {"location": "Paris, France", "format": "celsius"}}, {"name": "get_time"}])");
  EXPECT_EQ(parsed.content, std::nullopt);
  EXPECT_EQ(calls(parsed), (std::vector<std::string>{R"(get_current_weather {"location": "Paris, France", "format": "celsius"})",
                                                     "get_time {}"}));
  ASSERT_EQ(parsed.calls.size(), 2u);
  EXPECT_TRUE(std::regex_match(parsed.calls[0].id, std::regex("[A-Za-z0-9]{9}")));
  // Text after the array is ignored; text before the marker is the content.
  EXPECT_EQ(calls(parse("mistral", R"(Let me look.[TOOL_CALLS][{"name":"f","arguments":{"a":1}}]</s> trailing)")),
            (std::vector<std::string>{R"(f {"a": 1})"}));
  EXPECT_EQ(parse("mistral", R"(Let me look.[TOOL_CALLS][{"name":"f","arguments":{"a":1}}])").content, "Let me look.");
}

TEST(MistralParser, FallsBackToTheOuterArrayAsVllmsRegexDoes) {
  EXPECT_EQ(calls(parse("mistral", R"([TOOL_CALLS] [ oops [{"name": "f", "arguments": {}}] ]])")),
            (std::vector<std::string>{"f {}"}));
}

TEST(MistralParser, ReadsTheV11Form) {
  const ParsedToolCalls parsed = parse("mistral", R"([TOOL_CALLS]get_weather{"city": "Paris"}[TOOL_CALLS]get_time[ARGS]{"zone":"CET"})");
  EXPECT_EQ(parsed.content, std::nullopt);
  // The arguments are the model's text, kept as written.
  EXPECT_EQ(calls(parsed), (std::vector<std::string>{R"(get_weather {"city": "Paris"})", R"(get_time {"zone":"CET"})"}));
  ASSERT_EQ(parsed.calls.size(), 2u);
  EXPECT_TRUE(std::regex_match(parsed.calls[1].id, std::regex("[A-Za-z0-9]{9}")));
  // Even arguments that are not JSON, and a part without arguments is no call.
  EXPECT_EQ(calls(parse("mistral", "Checking.[TOOL_CALLS]nothing[TOOL_CALLS]f{broken")), (std::vector<std::string>{"f {broken"}));
  EXPECT_EQ(parse("mistral", "Checking.[TOOL_CALLS]f{}").content, "Checking.");
}

TEST(MistralParser, AnythingMalformedLeavesPlainText) {
  for (std::string_view text : {
           "No tools needed.",
           "[TOOL_CALLS]",
           "[TOOL_CALLS] no braces at all",
           R"([TOOL_CALLS] [{"name": "f", "arguments": {}})",                                  // unclosed array
           R"([TOOL_CALLS] [{"arguments": {}}])",                                             // no name
           R"([TOOL_CALLS] [])",                                                              // no call
           R"([TOOL_CALLS] [{"name": "f", "arguments": {}}][TOOL_CALLS] [{"name": "g"}])",   // two markers
       }) {
    expect_plain("mistral", text);
  }
}

TEST(MistralParser, AnObjectThatIsNotInAnArrayIsTheV11Form) {
  // As vLLM reads it with a v11 tokenizer: the name is the text before '{' (here a space).
  EXPECT_EQ(calls(parse("mistral", R"([TOOL_CALLS] {"name": "f", "arguments": {}})")),
            (std::vector<std::string>{R"(  {"name": "f", "arguments": {}})"}));
}

TEST(PythonicParser, ReadsLlama32Calls) {
  const ParsedToolCalls parsed =
      parse("pythonic", "[get_weather(city='San Francisco', metric='celsius'), get_time(zone=None, exact=True)]");
  EXPECT_EQ(parsed.content, std::nullopt);
  EXPECT_EQ(calls(parsed), (std::vector<std::string>{R"(get_weather {"city": "San Francisco", "metric": "celsius"})",
                                                     R"(get_time {"zone": null, "exact": true})"}));
  ASSERT_EQ(parsed.calls.size(), 2u);
  EXPECT_TRUE(is_vllm_tool_call_id(parsed.calls[0].id));
  EXPECT_EQ(calls(parse("pythonic", "[f(c=[1,2], d={'k': None})]\n")), (std::vector<std::string>{R"(f {"c": [1, 2], "d": {"k": null}})"}));
  EXPECT_EQ(calls(parse("pythonic", "[f()]")), (std::vector<std::string>{"f {}"}));
}

TEST(PythonicParser, AnythingElseIsPlainText) {
  for (std::string_view text : {
           "The weather is nice.",
           "[1] Smith et al.",
           "[]",
           " [f(a=1)]",                   // vLLM's regex wants '[' first
           "[f(a=1)] and some text",      // no mixing
           "Calling: [f(a=1)]",
           "[f(a=-1)]",                   // negative numbers are not literals to ast
           "[f(a=1), ]",                  // a trailing comma defeats vLLM's regex
           "[f(a=1)",                     // unfinished
           "[f(a=x)]",
           "[f(1)]",
       }) {
    expect_plain("pythonic", text);
  }
}

}  // namespace
}  // namespace gatehouse::serve
