// The <think> ... </think> block that the reasoning parsers here read, as a stream over text: the
// text is reasoning until </think> and content after it. Where the answer starts (inside the
// block, because the chat template opened it in the prompt; or only if the answer opens with
// <think>; or never) and whether a Qwen3.5-style tool call ends the reasoning are the rules a
// parser gives. Tags cut across steps are held back until they are whole. A whole answer is split
// by streaming it in one piece, so every chunking of an answer gives the same text on each side.
// One per choice; not thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "serve/reasoning/reasoning_parser.h"

namespace gatehouse::serve {

struct ThinkBlockRules {
  enum class Start {
    reasoning,  // the prompt opened the block; a <think> the model writes anyway is dropped
    open_tag,   // reasoning only when the answer opens with <think> (after whitespace)
    content,    // no block: everything is content
  };
  Start start = Start::reasoning;
  // "<tool_call>" followed by "<function" ends the reasoning where </think> is missing (Qwen3.5
  // calls tools from inside its thinking); the call stays in the content.
  bool tool_call_ends_reasoning = false;
};

class ThinkBlockStream final : public ReasoningStream {
 public:
  explicit ThinkBlockStream(ThinkBlockRules rules);

  ReasoningDelta feed(std::string_view text) override;
  ReasoningDelta finish() override;

  bool reasoned() const { return reasoned_; }  // the answer had a reasoning side
  bool ended_by_tool_call() const { return ended_by_tool_call_; }

 private:
  enum class Phase { undecided, reasoning, content };
  // Each returns whether it moved on (so the loop goes on), or false to wait for more text.
  bool decide_start();
  bool scan_reasoning(ReasoningDelta& out);

  ThinkBlockRules rules_;
  Phase phase_;
  std::string held_;  // text not yet given to either side
  bool reasoned_ = false;
  bool open_dropped_ = false;  // the one <think> in the reasoning is gone
  bool ended_by_tool_call_ = false;
};

// A whole answer through a ThinkBlockStream, with vLLM's nulls: no reasoning side gives
// reasoning null and all the text as content; otherwise empty content is null (and so is empty
// reasoning before an implicit tool-call end).
ReasoningSplit split_think_block(std::string_view text, const ThinkBlockRules& rules);

}  // namespace gatehouse::serve
