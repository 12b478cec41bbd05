#include "serve/chat_output.h"

#include <boost/json.hpp>

#include <algorithm>

#include "api/openai_format.h"
#include "serve/required_tool_calls.h"

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;
using Mode = ToolChoice::Mode;

bj::value nullable(const std::optional<std::string>& text) { return text ? bj::value(*text) : bj::value(nullptr); }

bool blank(std::string_view text) { return text.find_first_not_of(" \t\n\r\f\v") == std::string_view::npos; }

// A named function: everything the model writes is the arguments of one call. As vLLM, its
// index is the choice's.
class NamedToolCallStream final : public ToolCallStream {
 public:
  NamedToolCallStream(std::string name, int64_t choice_index) : name_(std::move(name)), index_(static_cast<int>(choice_index)) {}

  StreamedToolOutput feed(std::string_view text) override {
    StreamedToolOutput out;
    if (text.empty()) return out;
    ToolCallDelta delta;
    delta.index = index_;
    delta.arguments = std::string(text);
    if (!called_) {
      delta.id = api::random_id("chatcmpl-tool-");
      delta.name = name_;
      called_ = true;
    }
    out.calls.push_back(std::move(delta));
    return out;
  }
  StreamedToolOutput finish() override { return {}; }
  bool called() const override { return called_; }

 private:
  std::string name_;
  int index_;
  bool called_ = false;
};

bj::object tool_delta_json(const ToolCallDelta& delta) {
  bj::object out{{"index", delta.index}};
  if (delta.id) {
    out["id"] = *delta.id;
    out["type"] = "function";
  }
  bj::object function;
  if (delta.name) function["name"] = *delta.name;
  if (delta.arguments) function["arguments"] = *delta.arguments;
  out["function"] = std::move(function);
  return out;
}

}  // namespace

ChatMessage shape_chat_message(const ChatShaping& shaping, std::string_view text) {
  ChatMessage message;
  std::optional<std::string> content(text);
  if (shaping.reasoning) {
    ReasoningSplit split = shaping.reasoning->split(text, shaping.reasoning_options);
    if (shaping.include_reasoning) message.reasoning = std::move(split.reasoning);
    content = std::move(split.content);
  }
  switch (shaping.tool_choice.mode) {
    case Mode::none:
      message.content = std::move(content);
      break;
    case Mode::named:
      message.content = "";
      message.tool_calls.push_back({api::random_id("chatcmpl-tool-"), shaping.tool_choice.function, content.value_or("")});
      break;
    case Mode::required:
      message.content = "";
      message.tool_calls = parse_required_tool_calls(content.value_or(""));
      break;
    case Mode::automatic: {
      ParsedToolCalls parsed = shaping.tool_parser->parse(content.value_or(""));
      if (parsed.calls.empty()) {
        message.content = std::move(content);
        break;
      }
      if (parsed.content && !blank(*parsed.content)) message.content = std::move(parsed.content);
      message.tool_calls = std::move(parsed.calls);
      break;
    }
  }
  if (!shaping.parallel_tool_calls && message.tool_calls.size() > 1) message.tool_calls.resize(1);
  return message;
}

bj::object chat_message_json(const ChatMessage& message) {
  bj::array calls;
  for (const ToolCall& call : message.tool_calls) {
    calls.push_back(bj::object{{"id", call.id},
                               {"type", "function"},
                               {"function", bj::object{{"name", call.name}, {"arguments", call.arguments}}}});
  }
  return bj::object{{"role", "assistant"},
                    {"reasoning_content", nullable(message.reasoning)},
                    {"content", nullable(message.content)},
                    {"tool_calls", std::move(calls)}};
}

std::string chat_finish_reason(const ChatShaping& shaping, const std::string& engine_reason, bool called) {
  const Mode mode = shaping.tool_choice.mode;
  if ((mode == Mode::automatic && called) || (mode == Mode::required && engine_reason == "stop")) return "tool_calls";
  return engine_reason;
}

void ChatDelta::append(ChatDelta more) {
  reasoning += more.reasoning;
  content += more.content;
  for (ToolCallDelta& call : more.tool_calls) tool_calls.push_back(std::move(call));
}

ChatOutputStream::ChatOutputStream(const ChatShaping& shaping, int64_t choice_index) : shaping_(shaping) {
  if (shaping.reasoning) reasoning_ = shaping.reasoning->stream(shaping.reasoning_options);
  switch (shaping.tool_choice.mode) {
    case Mode::none: break;
    case Mode::named: tools_ = std::make_unique<NamedToolCallStream>(shaping.tool_choice.function, choice_index); break;
    case Mode::required: tools_ = std::make_unique<RequiredToolCallStream>(); break;
    case Mode::automatic: tools_ = shaping.tool_parser->stream(); break;
  }
}

ChatDelta ChatOutputStream::feed(std::string_view text) {
  return shaped(reasoning_ ? reasoning_->feed(text) : ReasoningDelta{"", std::string(text)}, false);
}

ChatDelta ChatOutputStream::finish() { return shaped(reasoning_ ? reasoning_->finish() : ReasoningDelta{}, true); }

// Reasoning first; the content after it goes through the tool-call stream, if any.
ChatDelta ChatOutputStream::shaped(ReasoningDelta step, bool last) {
  ChatDelta delta;
  if (shaping_.include_reasoning) delta.reasoning = std::move(step.reasoning);
  if (!tools_) {
    delta.content = std::move(step.content);
    return delta;
  }
  StreamedToolOutput tools = tools_->feed(step.content);
  if (last) {
    StreamedToolOutput rest = tools_->finish();
    tools.content += rest.content;
    for (ToolCallDelta& call : rest.calls) tools.calls.push_back(std::move(call));
  }
  delta.content = std::move(tools.content);
  delta.tool_calls = std::move(tools.calls);
  // vLLM keeps the first call only; a named call's index is the choice's, so it is never dropped.
  if (!shaping_.parallel_tool_calls && shaping_.tool_choice.mode != Mode::named) {
    std::erase_if(delta.tool_calls, [](const ToolCallDelta& call) { return call.index != 0; });
  }
  return delta;
}

bj::object ChatOutputStream::delta_json(const ChatDelta& delta) const {
  if (shaping_.plain()) return bj::object{{"content", delta.content}};
  bj::object out;
  if (!delta.reasoning.empty()) out["reasoning_content"] = delta.reasoning;
  if (!delta.content.empty()) out["content"] = delta.content;
  if (!delta.tool_calls.empty()) {
    bj::array calls;
    for (const ToolCallDelta& call : delta.tool_calls) calls.push_back(tool_delta_json(call));
    out["tool_calls"] = std::move(calls);
  }
  return out;
}

}  // namespace gatehouse::serve
