// Tool-call parsers: they find the function calls in a model's generated text, in the formats of
// vLLM's --tool-call-parser (hermes, llama3_json, mistral, pythonic), both for a whole answer and
// incrementally while it streams. They work on text only (decoded with special tokens kept, so
// markers such as <tool_call> or [TOOL_CALLS] are visible); the chat layer decides when to use
// them (tool_choice "auto") and shapes the answer. A ToolParser is immutable and shared; a
// ToolCallStream belongs to one choice of one request.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::serve {

struct ToolCall {
  std::string id;         // "chatcmpl-tool-<32 hex>" (mistral: 9 alphanumerics)
  std::string name;
  std::string arguments;  // JSON text of the arguments object
};

// The answer split into text and calls. When no call parses, `calls` is empty and `content` is
// the whole text, unchanged.
struct ParsedToolCalls {
  std::optional<std::string> content;  // text outside the calls as the parser keeps it; nullopt: null
  std::vector<ToolCall> calls;
};

// One streamed piece of a call, as vLLM sends it: the first piece of a call carries its index,
// id and name; later pieces carry argument fragments only.
struct ToolCallDelta {
  int index = 0;
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<std::string> arguments;
};

struct StreamedToolOutput {
  std::string content;  // text to send as delta.content (may be empty)
  std::vector<ToolCallDelta> calls;
};

class ToolCallStream {
 public:
  virtual ~ToolCallStream() = default;
  // The text that became final this step; returns what to send now.
  virtual StreamedToolOutput feed(std::string_view text) = 0;
  // The answer ended: whatever was held back (e.g. the rest of the arguments, or a marker that
  // turned out not to start a call, as content).
  virtual StreamedToolOutput finish() = 0;
  // Whether any call was sent (finish_reason becomes "tool_calls").
  virtual bool called() const = 0;
};

class ToolParser {
 public:
  virtual ~ToolParser() = default;
  virtual ParsedToolCalls parse(std::string_view text) const = 0;
  virtual std::unique_ptr<ToolCallStream> stream() const = 0;
};

// The parser registered under `name`; Error(invalid_argument) listing the known names otherwise.
std::unique_ptr<ToolParser> make_tool_parser(std::string_view name);
// The names make_tool_parser knows, for --help and errors.
std::vector<std::string> tool_parser_names();

}  // namespace gatehouse::serve
