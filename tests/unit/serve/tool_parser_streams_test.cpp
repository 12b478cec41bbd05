// Tool-call parsers while the answer streams: the deltas have the shapes vLLM sends (a call's first
// delta carries its index, id and name, later ones only arguments), text that may start a call is
// held back and released when it does not, and however the text is cut into pieces, the content
// and calls add up to what parse() finds in the whole answer.
#include "serve/tool_parsers/tool_parser.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <random>
#include <regex>

namespace gatehouse::serve {
namespace {

// What a client assembles from the stream (as the openai SDK's stream helper does).
struct Assembled {
  std::string content;
  struct Call {
    std::string id, name, arguments;
  };
  std::vector<Call> calls;
  bool called = false;
  std::vector<std::vector<ToolCallDelta>> steps;  // the deltas of each feed, then of finish
};

// Feeds `text` cut before each of `cuts` (ascending), then finishes; checks every delta's shape.
Assembled stream(const ToolParser& parser, std::string_view text, const std::vector<size_t>& cuts) {
  Assembled out;
  std::unique_ptr<ToolCallStream> stream = parser.stream();
  auto take = [&](StreamedToolOutput step) {
    out.content += step.content;
    for (const ToolCallDelta& delta : step.calls) {
      if (delta.index == static_cast<int>(out.calls.size())) {
        EXPECT_TRUE(delta.id && delta.name) << "a call's first delta names it: " << text;
        out.calls.push_back({delta.id.value_or(""), delta.name.value_or(""), ""});
      } else {
        EXPECT_EQ(delta.index + 1, static_cast<int>(out.calls.size())) << "only the last call goes on: " << text;
        EXPECT_FALSE(delta.id || delta.name) << "later deltas carry arguments only: " << text;
        EXPECT_TRUE(delta.arguments) << text;
        if (delta.index < 0 || delta.index >= static_cast<int>(out.calls.size())) continue;
      }
      out.calls[delta.index].arguments += delta.arguments.value_or("");
    }
    out.steps.push_back(std::move(step.calls));
  };
  size_t from = 0;
  for (size_t cut : cuts) {
    take(stream->feed(text.substr(from, cut - from)));
    from = cut;
  }
  take(stream->feed(text.substr(from)));
  take(stream->finish());
  out.called = stream->called();
  return out;
}

std::vector<size_t> every(size_t size, size_t length) {
  std::vector<size_t> cuts;
  for (size_t cut = size; cut < length; cut += size) cuts.push_back(cut);
  return cuts;
}

std::vector<size_t> random_cuts(std::mt19937& random, size_t length) {
  std::vector<size_t> cuts;
  for (size_t at = 0; length > 0;) {
    at += 1 + random() % 9;
    if (at >= length) break;
    cuts.push_back(at);
  }
  return cuts;
}

// Content as a client reads it: null, empty and whitespace-only all say "no text".
std::string readable(const std::optional<std::string>& content) {
  if (!content || content->find_first_not_of(" \t\r\n") == std::string::npos) return "";
  return *content;
}

// The same arguments: equal JSON values when both are JSON (streamed arguments are the model's
// text, parse() re-serialises them), else the same text (mistral v11 keeps raw text).
void expect_same_arguments(const std::string& streamed, const std::string& parsed, std::string_view context) {
  boost::system::error_code streamed_error, parsed_error;
  const boost::json::value streamed_value = boost::json::parse(streamed, streamed_error);
  const boost::json::value parsed_value = boost::json::parse(parsed, parsed_error);
  if (!streamed_error && !parsed_error) {
    EXPECT_EQ(streamed_value, parsed_value) << context;
  } else {
    EXPECT_EQ(streamed, parsed) << context;
  }
}

// Streaming `text` in pieces of 1, 2, 3, 7, all at once, and cut at random gives what parse() gives.
void expect_stream_matches_parse(std::string_view parser_name, std::string_view text) {
  const std::unique_ptr<ToolParser> parser = make_tool_parser(parser_name);
  const ParsedToolCalls parsed = parser->parse(text);
  std::vector<std::vector<size_t>> cuttings = {every(1, text.size()), every(2, text.size()), every(3, text.size()),
                                               every(7, text.size()), {}};
  std::mt19937 random(static_cast<uint32_t>(text.size()));
  for (int i = 0; i < 20; ++i) cuttings.push_back(random_cuts(random, text.size()));
  for (const std::vector<size_t>& cuts : cuttings) {
    const std::string context = std::string(parser_name) + " in " + std::to_string(cuts.size() + 1) + " pieces: " + std::string(text);
    const Assembled streamed = stream(*parser, text, cuts);
    EXPECT_EQ(readable(streamed.content), readable(parsed.content)) << context;
    EXPECT_EQ(streamed.called, !parsed.calls.empty()) << context;
    ASSERT_EQ(streamed.calls.size(), parsed.calls.size()) << context;
    for (size_t i = 0; i < parsed.calls.size(); ++i) {
      EXPECT_EQ(streamed.calls[i].name, parsed.calls[i].name) << context;
      expect_same_arguments(streamed.calls[i].arguments, parsed.calls[i].arguments, context);
    }
  }
}

const std::string kQwenTwoCalls =
    "I'll check both.\n<tool_call>\n"
    R"({"name": "get_current_temperature", "arguments": {"location": "San Francisco, CA, USA", "unit": "celsius"}})"
    "\n</tool_call>\n<tool_call>\n"
    R"({"name":"get_temperature_date","arguments":{"location":"San Francisco, CA, USA","date":"2024-10-01","unit":"celsius"}})"
    "\n</tool_call>";

TEST(ToolCallStreams, HermesSendsTheNameThenTheArgumentsAsWritten) {
  const Assembled out = stream(*make_tool_parser("hermes"), kQwenTwoCalls, every(1, kQwenTwoCalls.size()));
  EXPECT_EQ(out.content, "I'll check both.\n");
  ASSERT_EQ(out.calls.size(), 2u);
  EXPECT_TRUE(std::regex_match(out.calls[0].id, std::regex("chatcmpl-tool-[0-9a-f]{32}")));
  EXPECT_NE(out.calls[0].id, out.calls[1].id);
  EXPECT_EQ(out.calls[0].name, "get_current_temperature");
  EXPECT_EQ(out.calls[0].arguments, R"({"location": "San Francisco, CA, USA", "unit": "celsius"})");
  EXPECT_EQ(out.calls[1].arguments, R"({"location":"San Francisco, CA, USA","date":"2024-10-01","unit":"celsius"})");
  EXPECT_TRUE(out.called);
  // The first delta of each call has no "arguments" key, as vLLM's hermes parser sends it.
  for (const auto& step : out.steps) {
    for (const ToolCallDelta& delta : step) {
      if (delta.name) {
        EXPECT_FALSE(delta.arguments);
      }
    }
  }
}

TEST(ToolCallStreams, HoldsBackWhatMayStartAMarkerAndReleasesItWhenItDoesNot) {
  const std::unique_ptr<ToolCallStream> hermes = make_tool_parser("hermes")->stream();
  EXPECT_EQ(hermes->feed("Hello <tool").content, "Hello ");
  EXPECT_EQ(hermes->feed("ing> world <").content, "<tooling> world ");
  EXPECT_EQ(hermes->finish().content, "<");
  EXPECT_FALSE(hermes->called());

  const std::unique_ptr<ToolCallStream> mistral = make_tool_parser("mistral")->stream();
  EXPECT_EQ(mistral->feed("Sure [TOOL_").content, "Sure ");
  EXPECT_EQ(mistral->finish().content, "[TOOL_");
}

TEST(ToolCallStreams, ACallThatDoesNotParseBeforeItsNameIsContent) {
  const std::unique_ptr<ToolCallStream> hermes = make_tool_parser("hermes")->stream();
  EXPECT_EQ(hermes->feed("Use <tool_call>").content, "Use ");
  EXPECT_EQ(hermes->feed(" tags").content, "<tool_call> tags");  // not JSON: known at once
  EXPECT_EQ(hermes->feed(" freely.").content, " freely.");
  EXPECT_FALSE(hermes->called());
}

TEST(ToolCallStreams, AfterACallWentOutTheRestIsDropped) {
  const std::string text = R"(<tool_call>{"name": "f", "arguments": {"x": 1}</tool_call> and then some text)";
  const Assembled out = stream(*make_tool_parser("hermes"), text, every(4, text.size()));
  EXPECT_EQ(out.content, "");
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(out.calls[0].name, "f");
  EXPECT_TRUE(out.called);
}

TEST(ToolCallStreams, Llama3JsonStreamsTextAtOnceUnlessItMayBeACall) {
  const std::unique_ptr<ToolCallStream> plain = make_tool_parser("llama3_json")->stream();
  EXPECT_EQ(plain->feed("Hello").content, "Hello");
  EXPECT_EQ(plain->feed(" {there}").content, " {there}");

  const std::unique_ptr<ToolCallStream> tagged = make_tool_parser("llama3_json")->stream();
  EXPECT_EQ(tagged->feed("<|pyth").content, "");
  StreamedToolOutput step = tagged->feed("on_tag|>{\"name\": \"get_weather\", ");
  EXPECT_EQ(step.content, "");
  EXPECT_TRUE(step.calls.empty());  // a call once its arguments begin
  step = tagged->feed("\"parameters\": {\"city\": \"Pa");
  ASSERT_EQ(step.calls.size(), 2u);
  EXPECT_EQ(step.calls[0].name, "get_weather");
  EXPECT_FALSE(step.calls[0].arguments);
  EXPECT_EQ(step.calls[1].arguments, R"({"city": "Pa)");
  EXPECT_EQ(tagged->feed("ris\"}}").calls.at(0).arguments, R"(ris"})");
  EXPECT_TRUE(tagged->finish().calls.empty());
  EXPECT_TRUE(tagged->called());
}

TEST(ToolCallStreams, AnObjectWithANameButNoArgumentsSendsNoCallAndStaysContent) {
  for (const auto& [parser, text] : std::vector<std::pair<std::string, std::string>>{
           {"llama3_json", R"({"name": "get_weather", "city": "Paris"})"},
           {"hermes", R"(Hi <tool_call>{"name": "get_weather", "city": "Paris"}</tool_call>)"},
       }) {
    const Assembled out = stream(*make_tool_parser(parser), text, every(1, text.size()));
    EXPECT_EQ(out.content, text) << parser;
    EXPECT_TRUE(out.calls.empty()) << parser;
    EXPECT_FALSE(out.called) << parser;
  }
}

TEST(ToolCallStreams, MistralArrayCallsHaveMistralIdsAndArgumentsLeftOutAreEmpty) {
  const std::string text = R"([TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_time"}])";
  const Assembled out = stream(*make_tool_parser("mistral"), text, every(3, text.size()));
  ASSERT_EQ(out.calls.size(), 2u);
  for (const auto& call : out.calls) EXPECT_TRUE(std::regex_match(call.id, std::regex("[A-Za-z0-9]{9}"))) << call.id;
  EXPECT_EQ(out.calls[0].arguments, R"({"city": "Paris"})");
  EXPECT_EQ(out.calls[1].name, "get_time");
  EXPECT_EQ(out.calls[1].arguments, "{}");
}

TEST(ToolCallStreams, MistralV11SendsIdNameAndArgumentsTogether) {
  const std::unique_ptr<ToolCallStream> mistral = make_tool_parser("mistral")->stream();
  EXPECT_EQ(mistral->feed("[TOOL_CALLS]get_wea").calls.size(), 0u);
  StreamedToolOutput step = mistral->feed("ther{\"city\": ");
  ASSERT_EQ(step.calls.size(), 1u);
  EXPECT_TRUE(std::regex_match(step.calls[0].id.value_or(""), std::regex("[A-Za-z0-9]{9}")));
  EXPECT_EQ(step.calls[0].name, "get_weather");
  EXPECT_EQ(step.calls[0].arguments, R"({"city": )");
  step = mistral->feed("\"Paris\"}");
  ASSERT_EQ(step.calls.size(), 1u);
  EXPECT_FALSE(step.calls[0].id || step.calls[0].name);
  EXPECT_EQ(step.calls[0].arguments, R"("Paris"})");
}

TEST(ToolCallStreams, PythonicSendsEachCallWholeOnceItCloses) {
  const std::unique_ptr<ToolCallStream> pythonic = make_tool_parser("pythonic")->stream();
  EXPECT_TRUE(pythonic->feed("[get_weather(city='Par").calls.empty());
  StreamedToolOutput step = pythonic->feed("is (FR)'), get_t");
  ASSERT_EQ(step.calls.size(), 1u);
  EXPECT_TRUE(std::regex_match(step.calls[0].id.value_or(""), std::regex("chatcmpl-tool-[0-9a-f]{32}")));
  EXPECT_EQ(step.calls[0].name, "get_weather");
  EXPECT_EQ(step.calls[0].arguments, R"j({"city": "Paris (FR)"})j");
  EXPECT_EQ(step.content, "");
}

TEST(ToolCallStreams, HermesMatchesParse) {
  for (std::string_view text : {
           std::string_view(kQwenTwoCalls),
           std::string_view("\n\n<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>"),
           std::string_view("<tool_call>{\"name\": \"a\", \"arguments\": {\"x\": 1}}</tool_call> between "
                            "<tool_call>{\"name\": \"b\", \"arguments\": {\"y\": [true, null, -1.5e3, \"}\"]}}\n"),
           std::string_view("<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call>\nDone, the tool will answer."),
           std::string_view(R"(<tool_call>{"name": "f", "arguments": "{\"city\": \"Paris\"}"}</tool_call>)"),
           std::string_view(R"(<tool_call>{"arguments": {"q": 1}, "name": "late_name"}</tool_call>)"),
           std::string_view("Voilà 🌍 <tool_call>{\"name\": \"météo\", \"arguments\": {\"ville\": \"Zürich 北京\"}}</tool_call>"),
           std::string_view("Hello, how can I help?"),
           std::string_view("Use the <tool_call> tag to call tools."),
           std::string_view("Use <tool_call"),
           std::string_view("<tool_call>{\"arguments\": {}}</tool_call>"),
           std::string_view("<tool_call>{\"name\": 7, \"arguments\": {}}</tool_call>"),
           std::string_view("<tool_call>{\"name\": \"f\"}</tool_call>"),
           std::string_view("<tool_call>{\"name\": \"f\", \"city\": \"Paris\"}</tool_call>"),
           std::string_view("<tool_call></tool_call>"),
           std::string_view("<tool_call>[1, 2]</tool_call>"),
       }) {
    expect_stream_matches_parse("hermes", text);
  }
}

TEST(ToolCallStreams, Llama3JsonMatchesParse) {
  for (std::string_view text : {
           R"({"name": "get_weather", "parameters": {"city": "Paris"}})",
           R"(<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}})",
           R"({"name": "a", "parameters": {"n": {"deep": [1]}}}; {"name": "b", "arguments": {}})",
           "\n  {\"name\": \"a\", \"parameters\": {\"unicode\": \"ünï\"}}",
           "The answer is 42.",
           "<|python_tag|>",
           "<|python_tag|>print('hi')",
           "<|pythonic",
           R"({"answer": 42})",
           R"({"name": "get_weather", "city": "Paris"})",
           "",
       }) {
    expect_stream_matches_parse("llama3_json", text);
  }
}

TEST(ToolCallStreams, MistralMatchesParse) {
  for (std::string_view text : {
           R"([TOOL_CALLS] [{"name": "get_current_weather", "arguments": {"location": "Paris, France", "format": "celsius"}}, {"name": "get_time"}])",
           R"(Let me look.[TOOL_CALLS][{"name":"f","arguments":{"a":1}}]</s> trailing)",
           R"([TOOL_CALLS]get_weather{"city": "Paris"}[TOOL_CALLS]get_time[ARGS]{"zone":"CET"})",
           "Checking.[TOOL_CALLS]nothing[TOOL_CALLS]f{broken",
           R"([TOOL_CALLS] {"name": "f", "arguments": {}})",
           "No tools needed.",
           "[TOOL_CALLS]",
           "[TOOL_CALLS] no braces at all",
           R"([TOOL_CALLS] [{"arguments": {}}])",
           R"([TOOL_CALLS] [])",
           "A [TOOL_CALL without its end",
       }) {
    expect_stream_matches_parse("mistral", text);
  }
}

TEST(ToolCallStreams, PythonicMatchesParse) {
  for (std::string_view text : {
           "[get_weather(city='San Francisco', metric='celsius'), get_time(zone=None, exact=True)]",
           "[f(c=[1,2], d={'k': None})]\n",
           "[write(path='a.py', text='''def f(x):\n    return (x) # ]\n''', mode=\"w\"),\n g(a={'(': [')']})]  # done",
           "[f(a=1,  # first\n  b='x',\n)]",
           "[f(\n  a=1)]",
           "The weather is nice.",
           "[1] Smith et al.",
           "[]",
           " [f(a=1)]",
           "[f(a=-1)]",
           "[f(a=x)]",
           "[f(1)]",
           "Calling: [f(a=1)]",
           "[f(a='unterminated\n')]",
       }) {
    expect_stream_matches_parse("pythonic", text);
  }
}

// Text made of pieces of every format's syntax, to reach odd states.
std::string random_text(std::mt19937& random) {
  static const std::vector<std::string> kPieces = {
      "<tool_call>", "</tool_call>", "<tool", "[TOOL_CALLS]", "[TOOL", "<|python_tag|>", "[ARGS]", "{", "}", "[", "]",
      "(", ")", "\"name\"", "\"arguments\"", "\"parameters\"", ": ", ", ", "\"f\"", "f", "=", "'", "\"", "\\", "1",
      "-2.5e3", "true", "None", " ", "\n", "#", "x", "é", "'''", ";"};
  std::string text;
  const size_t pieces = random() % 24;
  for (size_t i = 0; i < pieces; ++i) text += kPieces[random() % kPieces.size()];
  return text;
}

TEST(ToolCallStreams, AnyTextInAnyPiecesGivesTheSameAnswer) {
  std::mt19937 random(20240601);
  for (int round = 0; round < 3000; ++round) {
    const std::string text = random_text(random);
    for (const std::string& name : tool_parser_names()) {
      const std::unique_ptr<ToolParser> parser = make_tool_parser(name);
      parser->parse(text);  // never throws
      const Assembled whole = stream(*parser, text, {});
      for (const std::vector<size_t>& cuts : {every(1, text.size()), random_cuts(random, text.size())}) {
        const Assembled pieces = stream(*parser, text, cuts);
        ASSERT_EQ(pieces.content, whole.content) << name << ": " << text;
        ASSERT_EQ(pieces.calls.size(), whole.calls.size()) << name << ": " << text;
        for (size_t i = 0; i < whole.calls.size(); ++i) {
          EXPECT_EQ(pieces.calls[i].name, whole.calls[i].name) << name << ": " << text;
          EXPECT_EQ(pieces.calls[i].arguments, whole.calls[i].arguments) << name << ": " << text;
        }
      }
    }
  }
}

}  // namespace
}  // namespace gatehouse::serve
