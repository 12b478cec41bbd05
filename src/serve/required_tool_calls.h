// tool_choice "required": the answer is a JSON array of {"name": ..., "parameters": {...}}
// objects (the constraint tool_choice.h builds holds the model to it). A whole answer becomes its
// calls, with the arguments written again as Python's json.dumps writes them (vLLM's); an answer
// that is not such an array has no calls. A stream sends each call's id and name once its
// parameters begin, then the parameters' text as it comes, and nothing of the wrapper around them
// (vLLM's deltas). One stream per choice; not thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/tool_parsers/tool_parser.h"

namespace gatehouse::serve {

std::vector<ToolCall> parse_required_tool_calls(std::string_view text);

class RequiredToolCallStream final : public ToolCallStream {
 public:
  StreamedToolOutput feed(std::string_view text) override;
  StreamedToolOutput finish() override { return {}; }
  bool called() const override { return called_; }

 private:
  // The array is read character by character; each element is an object at depth 2 whose "name"
  // and "parameters" values are located in text_.
  enum class Expect { key, colon, value, comma };
  void scan(size_t at);
  void begin_token(size_t at);
  void end_token(size_t end);
  void start_element();
  void send();  // what the current element has that was not sent

  std::string text_;
  StreamedToolOutput out_;
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
  int element_ = -1;
  Expect expect_ = Expect::key;
  size_t token_start_ = std::string::npos;  // the key or value being read
  bool scalar_ = false;                     // ... is a number or a literal
  std::string key_;
  std::optional<std::string> name_;
  size_t parameters_start_ = std::string::npos;
  size_t parameters_end_ = std::string::npos;
  size_t sent_to_ = 0;
  bool element_sent_ = false;
  bool called_ = false;
};

}  // namespace gatehouse::serve
