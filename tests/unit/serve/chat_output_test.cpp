// Chat answers shaped by reasoning and tool_choice: the non-streamed message, the streamed deltas
// (in pieces of 1, 2, 3 bytes and whole), and vLLM's finish_reason rules. "auto" runs over a fake
// tool-call parser: `<call>NAME ARGS</call>`, content before the first call.
#include "serve/chat_output.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <regex>

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;
using Mode = ToolChoice::Mode;

constexpr std::string_view kOpen = "<call>";
constexpr std::string_view kClose = "</call>";

std::vector<ToolCall> fake_calls(std::string_view text) {
  std::vector<ToolCall> calls;
  for (size_t at = text.find(kOpen); at != std::string_view::npos; at = text.find(kOpen, at)) {
    const size_t end = text.find(kClose, at);
    const std::string_view call = text.substr(at + kOpen.size(), end - at - kOpen.size());
    const size_t space = call.find(' ');
    calls.push_back({"call-" + std::to_string(calls.size()), std::string(call.substr(0, space)), std::string(call.substr(space + 1))});
    at = end;
  }
  return calls;
}

// Streams content until a call starts; then holds everything and sends the calls at the end.
class FakeStream final : public ToolCallStream {
 public:
  StreamedToolOutput feed(std::string_view text) override {
    StreamedToolOutput out;
    held_ += text;
    const size_t call = held_.find('<');
    if (!in_calls_ && call == std::string::npos) {
      out.content = std::exchange(held_, "");
    } else if (!in_calls_) {
      out.content = held_.substr(0, call);
      held_.erase(0, call);
      in_calls_ = true;
    }
    return out;
  }
  StreamedToolOutput finish() override {
    StreamedToolOutput out;
    int index = 0;
    for (ToolCall& call : fake_calls(held_)) {
      out.calls.push_back({.index = index, .id = call.id, .name = call.name, .arguments = std::nullopt});
      out.calls.push_back({.index = index++, .id = std::nullopt, .name = std::nullopt, .arguments = call.arguments});
    }
    if (!out.calls.empty()) called_ = true;
    return out;
  }
  bool called() const override { return called_; }

 private:
  std::string held_;
  bool in_calls_ = false;
  bool called_ = false;
};

class FakeParser final : public ToolParser {
 public:
  ParsedToolCalls parse(std::string_view text) const override {
    std::vector<ToolCall> calls = fake_calls(text);
    if (calls.empty()) return {std::string(text), {}};
    return {std::string(text.substr(0, text.find(kOpen))), std::move(calls)};
  }
  std::unique_ptr<ToolCallStream> stream() const override { return std::make_unique<FakeStream>(); }
};

ChatShaping shaping(Mode mode, std::string reasoning = "", std::string function = "") {
  ChatShaping out;
  out.tool_choice = {mode, std::move(function)};
  if (mode == Mode::automatic) out.tool_parser = std::make_shared<FakeParser>();
  if (!reasoning.empty()) out.reasoning = make_reasoning_parser(reasoning);
  return out;
}

// A streamed choice: every chunk's delta object, the text is fed in pieces of `size` bytes.
std::vector<bj::object> stream(const ChatShaping& shape, std::string_view text, size_t size, int64_t index = 0) {
  ChatOutputStream output(shape, index);
  std::vector<bj::object> deltas;
  const size_t step = size ? size : text.size();
  for (size_t at = 0; at < text.size(); at += step) {
    ChatDelta delta = output.feed(text.substr(at, step));
    if (!delta.empty()) deltas.push_back(output.delta_json(delta));
  }
  ChatDelta last = output.finish();
  if (!last.empty()) deltas.push_back(output.delta_json(last));
  return deltas;
}

// The streamed deltas put together the way the openai SDK's stream helper does.
struct Assembled {
  std::string reasoning, content;
  std::vector<bj::object> calls;  // {"id", "type", "function": {"name", "arguments"}}
};
Assembled assemble(const std::vector<bj::object>& deltas) {
  Assembled out;
  for (const bj::object& delta : deltas) {
    if (const bj::value* r = delta.if_contains("reasoning_content")) out.reasoning += r->as_string();
    if (const bj::value* c = delta.if_contains("content")) out.content += c->as_string();
    if (const bj::value* calls = delta.if_contains("tool_calls")) {
      for (const bj::value& call : calls->as_array()) {
        const size_t index = static_cast<size_t>(call.at("index").as_int64());
        if (index >= out.calls.size()) out.calls.resize(index + 1);
        bj::object& whole = out.calls[index];
        const bj::object& function = call.at("function").as_object();
        if (call.as_object().contains("id")) {
          EXPECT_FALSE(whole.contains("id")) << "one id per call";
          whole["id"] = call.at("id");
          whole["type"] = call.at("type");
          EXPECT_TRUE(function.contains("name"));
        } else {
          EXPECT_FALSE(function.contains("name")) << "the name comes once, with the id";
        }
        bj::value& function_value = whole["function"];
        if (!function_value.is_object()) function_value.emplace_object();
        bj::object& out_function = function_value.get_object();
        if (function.contains("name")) out_function["name"] = function.at("name");
        std::string arguments = out_function.contains("arguments") ? std::string(out_function["arguments"].as_string()) : "";
        if (const bj::value* more = function.if_contains("arguments")) arguments += more->as_string();
        out_function["arguments"] = arguments;
      }
    }
  }
  return out;
}

std::string arguments_of(const bj::object& call) { return std::string(call.at("function").at("arguments").as_string()); }
std::string name_of(const bj::object& call) { return std::string(call.at("function").at("name").as_string()); }

bool is_vllm_tool_call_id(const std::string& id) { return std::regex_match(id, std::regex("chatcmpl-tool-[0-9a-f]{32}")); }

TEST(ChatOutput, PlainAnswersAreTheTextAsBefore) {
  const ChatShaping plain;
  const ChatMessage message = shape_chat_message(plain, "Hello there");
  EXPECT_EQ(json::serialize(chat_message_json(message)),
            R"({"role":"assistant","reasoning_content":null,"content":"Hello there","tool_calls":[]})");
  EXPECT_EQ(chat_finish_reason(plain, "length", false), "length");
  ChatOutputStream output(plain, 0);
  EXPECT_EQ(json::serialize(output.delta_json(output.feed("Hel"))), R"({"content":"Hel"})");
  EXPECT_EQ(json::serialize(output.delta_json(output.finish())), R"({"content":""})");  // the finish chunk
}

TEST(ChatOutput, ReasoningGoesToReasoningContent) {
  const std::string text = "<think>\nThe user says hi.\n</think>\n\nHi! How can I help?";
  ChatShaping shape = shaping(Mode::none, "think");
  const ChatMessage message = shape_chat_message(shape, text);
  EXPECT_EQ(message.reasoning, "\nThe user says hi.\n");
  EXPECT_EQ(message.content, "\n\nHi! How can I help?");
  for (size_t size : {1, 2, 3, 0}) {
    const std::vector<bj::object> deltas = stream(shape, text, size);
    const Assembled all = assemble(deltas);
    EXPECT_EQ(all.reasoning, "\nThe user says hi.\n") << size;
    EXPECT_EQ(all.content, "\n\nHi! How can I help?") << size;
    for (const bj::object& delta : deltas) EXPECT_FALSE(delta.empty()) << size;
  }
  // The first delta of a streamed answer is reasoning only.
  EXPECT_EQ(json::serialize(stream(shape, text, 12).front()), R"({"reasoning_content":"\nThe "})");

  shape.include_reasoning = false;
  EXPECT_EQ(shape_chat_message(shape, text).reasoning, std::nullopt);
  EXPECT_EQ(shape_chat_message(shape, text).content, "\n\nHi! How can I help?");
  EXPECT_EQ(assemble(stream(shape, text, 1)).reasoning, "");
  EXPECT_EQ(assemble(stream(shape, text, 1)).content, "\n\nHi! How can I help?");
}

TEST(ChatOutput, AutoToolChoiceUsesTheServersParserAfterTheReasoning) {
  const ChatShaping shape = shaping(Mode::automatic, "deepseek_r1");
  const std::string text = "I will look it up.</think>Let me check.<call>get_weather {\"city\": \"Paris\"}</call>";
  const ChatMessage message = shape_chat_message(shape, text);
  EXPECT_EQ(message.reasoning, "I will look it up.");
  EXPECT_EQ(message.content, "Let me check.");
  ASSERT_EQ(message.tool_calls.size(), 1u);
  EXPECT_EQ(message.tool_calls[0].name, "get_weather");
  EXPECT_EQ(message.tool_calls[0].arguments, "{\"city\": \"Paris\"}");
  EXPECT_EQ(chat_finish_reason(shape, "stop", true), "tool_calls");
  EXPECT_EQ(chat_finish_reason(shape, "stop", false), "stop");
  for (size_t size : {1, 2, 3, 0}) {
    const Assembled all = assemble(stream(shape, text, size));
    EXPECT_EQ(all.reasoning, "I will look it up.") << size;
    EXPECT_EQ(all.content, "Let me check.") << size;
    ASSERT_EQ(all.calls.size(), 1u) << size;
    EXPECT_EQ(name_of(all.calls[0]), "get_weather");
    EXPECT_EQ(arguments_of(all.calls[0]), "{\"city\": \"Paris\"}");
  }
  // Whitespace around calls is no content; a reasoning-only answer keeps content null.
  EXPECT_EQ(shape_chat_message(shape, "plan</think>\n\n<call>f {}</call>").content, std::nullopt);
  EXPECT_EQ(shape_chat_message(shape, "still thinking").content, std::nullopt);
  // No call: the content as it is, and the engine's reason.
  EXPECT_EQ(shape_chat_message(shape, "hm</think>Sunny.").content, "Sunny.");
  EXPECT_TRUE(shape_chat_message(shape, "hm</think>Sunny.").tool_calls.empty());
}

TEST(ChatOutput, ParallelToolCallsFalseKeepsTheFirstCall) {
  ChatShaping shape = shaping(Mode::automatic);
  const std::string text = "<call>a {}</call><call>b {\"x\": 1}</call>";
  EXPECT_EQ(shape_chat_message(shape, text).tool_calls.size(), 2u);
  EXPECT_EQ(assemble(stream(shape, text, 0)).calls.size(), 2u);
  shape.parallel_tool_calls = false;
  ASSERT_EQ(shape_chat_message(shape, text).tool_calls.size(), 1u);
  EXPECT_EQ(shape_chat_message(shape, text).tool_calls[0].name, "a");
  const Assembled streamed = assemble(stream(shape, text, 1));
  ASSERT_EQ(streamed.calls.size(), 1u);
  EXPECT_EQ(name_of(streamed.calls[0]), "a");
}

TEST(ChatOutput, ANamedFunctionTakesTheWholeContentAsArguments) {
  const ChatShaping shape = shaping(Mode::named, "", "get_weather");
  const std::string text = "{\"city\": \"Paris\", \"unit\": \"celsius\"}";
  const ChatMessage message = shape_chat_message(shape, text);
  EXPECT_EQ(message.content, "");
  ASSERT_EQ(message.tool_calls.size(), 1u);
  EXPECT_TRUE(is_vllm_tool_call_id(message.tool_calls[0].id)) << message.tool_calls[0].id;
  EXPECT_EQ(message.tool_calls[0].name, "get_weather");
  EXPECT_EQ(message.tool_calls[0].arguments, text);  // the raw text, not re-serialised
  // As OpenAI: the engine's reason, never "tool_calls".
  EXPECT_EQ(chat_finish_reason(shape, "stop", true), "stop");
  EXPECT_EQ(chat_finish_reason(shape, "length", true), "length");
  for (size_t size : {1, 2, 3, 0}) {
    const std::vector<bj::object> deltas = stream(shape, text, size, 2);
    // vLLM's deltas: the first carries id, type, name and the first arguments; index is the choice's.
    const bj::object& first = deltas.front().at("tool_calls").as_array()[0].as_object();
    EXPECT_EQ(first.at("index"), 2);
    EXPECT_TRUE(is_vllm_tool_call_id(std::string(first.at("id").as_string())));
    EXPECT_EQ(first.at("type"), "function");
    EXPECT_EQ(std::string(first.at("function").at("arguments").as_string()), text.substr(0, size ? size : text.size()));
    const Assembled all = assemble(deltas);
    EXPECT_EQ(all.content, "");
    ASSERT_EQ(all.calls.size(), 3u);  // at index 2
    EXPECT_EQ(arguments_of(all.calls[2]), text);
  }
  // After reasoning, only the content is the arguments.
  const ChatShaping reasoned = shaping(Mode::named, "qwen3", "f");
  EXPECT_EQ(shape_chat_message(reasoned, "think first</think>\n{\"a\": 1}").tool_calls[0].arguments, "\n{\"a\": 1}");
  EXPECT_EQ(shape_chat_message(reasoned, "think first</think>\n{\"a\": 1}").reasoning, "think first");
}

TEST(ChatOutput, RequiredParsesTheArrayOfCalls) {
  const ChatShaping shape = shaping(Mode::required);
  const std::string text =
      "[{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": [1, 2]}}, "
      "{\"name\":\"get_time\",\"parameters\":{\"zone\":\"CET\",\"exact\":true,\"note\":\"}]{,\\\"\"}}]";
  const ChatMessage message = shape_chat_message(shape, text);
  EXPECT_EQ(message.content, "");
  ASSERT_EQ(message.tool_calls.size(), 2u);
  EXPECT_EQ(message.tool_calls[0].name, "get_weather");
  EXPECT_EQ(message.tool_calls[0].arguments, "{\"city\": \"Paris\", \"days\": [1, 2]}");
  EXPECT_EQ(message.tool_calls[1].name, "get_time");
  // Written again as Python's json.dumps writes it.
  EXPECT_EQ(message.tool_calls[1].arguments, "{\"zone\": \"CET\", \"exact\": true, \"note\": \"}]{,\\\"\"}");
  EXPECT_TRUE(is_vllm_tool_call_id(message.tool_calls[1].id));
  EXPECT_NE(message.tool_calls[0].id, message.tool_calls[1].id);
  EXPECT_EQ(chat_finish_reason(shape, "stop", true), "tool_calls");
  EXPECT_EQ(chat_finish_reason(shape, "length", true), "length");
  for (size_t size : {1, 2, 3, 0}) {
    const Assembled all = assemble(stream(shape, text, size));
    EXPECT_EQ(all.content, "") << size;
    ASSERT_EQ(all.calls.size(), 2u) << size;
    EXPECT_EQ(name_of(all.calls[0]), "get_weather");
    // Streamed arguments are the model's text of "parameters", without the wrapper's } , ]
    EXPECT_EQ(arguments_of(all.calls[0]), "{\"city\": \"Paris\", \"days\": [1, 2]}") << size;
    EXPECT_EQ(name_of(all.calls[1]), "get_time");
    EXPECT_EQ(arguments_of(all.calls[1]), "{\"zone\":\"CET\",\"exact\":true,\"note\":\"}]{,\\\"\"}") << size;
  }
  // Parameters before the name, and parameters that are not an object while streaming.
  const Assembled reordered = assemble(stream(shape, "[{\"parameters\": {\"k\": null}, \"name\": \"c\"}]", 1));
  ASSERT_EQ(reordered.calls.size(), 1u);
  EXPECT_EQ(name_of(reordered.calls[0]), "c");
  EXPECT_EQ(arguments_of(reordered.calls[0]), "{\"k\": null}");
  // Not an array of {name, parameters}: no calls.
  for (const char* bad : {"", "[{\"name\": \"a\", \"parameters\": {", "{\"name\": \"a\"}", "[{\"name\": 1}]", "[{\"name\": \"a\", \"parameters\": 3}]"}) {
    EXPECT_TRUE(shape_chat_message(shape, bad).tool_calls.empty()) << bad;
    EXPECT_EQ(shape_chat_message(shape, bad).content, "") << bad;
  }
  EXPECT_EQ(shape_chat_message(shape, "[{\"name\": \"a\"}]").tool_calls.at(0).arguments, "null");
}

}  // namespace
}  // namespace gatehouse::serve
