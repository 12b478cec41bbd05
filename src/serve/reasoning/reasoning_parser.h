// Reasoning parsers: they split a model's answer into its reasoning (the "thinking" between
// <think> and </think>) and its content, in the ways of vLLM's --reasoning-parser, both for a
// whole answer and while it streams. They work on the decoded text (the think tags are ordinary
// added tokens, kept when special tokens are skipped). A ReasoningParser is immutable and shared
// by the server's requests; a ReasoningStream belongs to one choice of one request.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::serve {

// What a request tells the parser about its prompt.
struct ReasoningOptions {
  bool thinking = true;  // false when chat_template_kwargs.enable_thinking is false
};

// A whole answer split; nullopt reads as JSON null in the answer.
struct ReasoningSplit {
  std::optional<std::string> reasoning;
  std::optional<std::string> content;
};

// What one step of a stream adds: reasoning text first, then content text (either may be empty).
struct ReasoningDelta {
  std::string reasoning;
  std::string content;
};

class ReasoningStream {
 public:
  virtual ~ReasoningStream() = default;
  // Text that became final this step. A tag cut across steps is held back until it is whole.
  virtual ReasoningDelta feed(std::string_view text) = 0;
  // The answer ended: what was held back, as the side it was on.
  virtual ReasoningDelta finish() = 0;
};

class ReasoningParser {
 public:
  virtual ~ReasoningParser() = default;
  virtual ReasoningSplit split(std::string_view text, const ReasoningOptions& options) const = 0;
  virtual std::unique_ptr<ReasoningStream> stream(const ReasoningOptions& options) const = 0;
};

// The parser registered under `name`; Error(invalid_argument) listing the known names otherwise.
std::unique_ptr<ReasoningParser> make_reasoning_parser(std::string_view name);
// The names make_reasoning_parser knows, for --help and errors.
std::vector<std::string> reasoning_parser_names();

}  // namespace gatehouse::serve
