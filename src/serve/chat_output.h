// The shape of a chat answer beyond plain text: the reasoning split off by the server's reasoning
// parser, then the tool calls that tool_choice asks for ("auto": the server's tool-call parser;
// a named function: the whole content is its arguments; "required": a JSON array of calls), with
// vLLM's message fields, stream deltas and finish_reason rules. A ChatShaping is decided when the
// request is read and shared by its choices; a ChatOutputStream belongs to one streamed choice.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/reasoning/reasoning_parser.h"
#include "serve/tool_choice.h"
#include "serve/tool_parsers/tool_parser.h"

namespace gatehouse::serve {

struct ChatShaping {
  std::shared_ptr<const ReasoningParser> reasoning;  // null: none is split off
  ReasoningOptions reasoning_options;
  bool include_reasoning = true;
  ToolChoice tool_choice;
  std::shared_ptr<const ToolParser> tool_parser;  // the server's, for tool_choice "auto"
  bool parallel_tool_calls = true;  // false: only the first call is kept

  bool plain() const { return !reasoning && tool_choice.mode == ToolChoice::Mode::none; }
};

// One choice's answer, non-streamed.
struct ChatMessage {
  std::optional<std::string> reasoning;
  std::optional<std::string> content;
  std::vector<ToolCall> tool_calls;
};
ChatMessage shape_chat_message(const ChatShaping& shaping, std::string_view text);
// {"role": "assistant", "reasoning_content", "content", "tool_calls"}.
boost::json::object chat_message_json(const ChatMessage& message);

// "tool_calls" where vLLM says so: tool_choice "auto" once a call was found, "required" when the
// engine stopped by itself; otherwise (a named function included) the engine's reason.
std::string chat_finish_reason(const ChatShaping& shaping, const std::string& engine_reason, bool called);

// What one step of a streamed choice sends.
struct ChatDelta {
  std::string reasoning;
  std::string content;
  std::vector<ToolCallDelta> tool_calls;

  bool empty() const { return reasoning.empty() && content.empty() && tool_calls.empty(); }
  void append(ChatDelta more);
};

class ChatOutputStream {
 public:
  ChatOutputStream(const ChatShaping& shaping, int64_t choice_index);

  ChatDelta feed(std::string_view text);  // the choice's text that became final this step
  ChatDelta finish();                     // the choice ended
  bool called() const { return tools_ && tools_->called(); }

  // The chunk's "delta": plain text as {"content": ...} (even empty, as vLLM sends it); shaped
  // answers with only the keys that have something.
  boost::json::object delta_json(const ChatDelta& delta) const;

 private:
  ChatDelta shaped(ReasoningDelta step, bool last);

  const ChatShaping& shaping_;
  std::unique_ptr<ReasoningStream> reasoning_;
  std::unique_ptr<ToolCallStream> tools_;
};

}  // namespace gatehouse::serve
