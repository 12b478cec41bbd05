#include "serve/reasoning/think_block.h"

#include <algorithm>

namespace gatehouse::serve {
namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";
constexpr std::string_view kToolCall = "<tool_call>";
constexpr std::string_view kFunction = "<function";
constexpr std::string_view kSpace = " \t\n\r\f\v";

// How many bytes at the end of `text` are a proper beginning of `tag`.
size_t partial_tag(std::string_view text, std::string_view tag) {
  for (size_t n = std::min(text.size(), tag.size() - 1); n > 0; --n) {
    if (text.substr(text.size() - n) == tag.substr(0, n)) return n;
  }
  return 0;
}

std::string_view without_leading_space(std::string_view text) {
  return text.substr(std::min(text.find_first_not_of(kSpace), text.size()));
}

}  // namespace

ThinkBlockStream::ThinkBlockStream(ThinkBlockRules rules)
    : rules_(rules),
      phase_(rules.start == ThinkBlockRules::Start::reasoning ? Phase::reasoning
             : rules.start == ThinkBlockRules::Start::open_tag ? Phase::undecided
                                                               : Phase::content),
      reasoned_(phase_ == Phase::reasoning) {}

ReasoningDelta ThinkBlockStream::feed(std::string_view text) {
  held_ += text;
  ReasoningDelta out;
  for (bool moved = true; moved;) {
    switch (phase_) {
      case Phase::undecided: moved = decide_start(); break;
      case Phase::reasoning: moved = scan_reasoning(out); break;
      case Phase::content:
        out.content += held_;
        held_.clear();
        moved = false;
        break;
    }
  }
  return out;
}

ReasoningDelta ThinkBlockStream::finish() {
  ReasoningDelta out;
  (phase_ == Phase::reasoning ? out.reasoning : out.content) = std::move(held_);
  held_.clear();
  return out;
}

bool ThinkBlockStream::decide_start() {
  const std::string_view rest = without_leading_space(held_);
  if (rest.empty() || (rest.size() < kOpen.size() && kOpen.starts_with(rest))) return false;
  if (!rest.starts_with(kOpen)) {
    phase_ = Phase::content;
    return true;
  }
  held_.erase(0, held_.size() - rest.size() + kOpen.size());  // the whitespace before it goes too
  phase_ = Phase::reasoning;
  reasoned_ = open_dropped_ = true;
  return true;
}

bool ThinkBlockStream::scan_reasoning(ReasoningDelta& out) {
  const size_t close = held_.find(kClose);
  const size_t open = open_dropped_ ? std::string::npos : held_.find(kOpen);
  const size_t call = rules_.tool_call_ends_reasoning ? held_.find(kToolCall) : std::string::npos;
  const size_t at = std::min({close, open, call});
  if (at == std::string::npos) {
    size_t keep = partial_tag(held_, kClose);
    if (!open_dropped_) keep = std::max(keep, partial_tag(held_, kOpen));
    if (rules_.tool_call_ends_reasoning) keep = std::max(keep, partial_tag(held_, kToolCall));
    out.reasoning.append(held_, 0, held_.size() - keep);
    held_.erase(0, held_.size() - keep);
    return false;
  }
  out.reasoning.append(held_, 0, at);
  held_.erase(0, at);
  if (at == close) {
    held_.erase(0, kClose.size());
    phase_ = Phase::content;
    return true;
  }
  if (at == open) {
    held_.erase(0, kOpen.size());
    open_dropped_ = true;
    return true;
  }
  // A <tool_call> ends the reasoning only when "<function" and a space or "=" come next; until
  // the text says either way it waits.
  const std::string_view after = without_leading_space(std::string_view(held_).substr(kToolCall.size()));
  if (after.size() <= kFunction.size() && kFunction.starts_with(after)) return false;
  if (after.starts_with(kFunction) && (kSpace.find(after[kFunction.size()]) != std::string_view::npos || after[kFunction.size()] == '=')) {
    phase_ = Phase::content;
    ended_by_tool_call_ = true;
    return true;
  }
  out.reasoning += kToolCall;
  held_.erase(0, kToolCall.size());
  return true;
}

ReasoningSplit split_think_block(std::string_view text, const ThinkBlockRules& rules) {
  ThinkBlockStream stream(rules);
  ReasoningDelta all = stream.feed(text);
  ReasoningDelta rest = stream.finish();
  all.reasoning += rest.reasoning;
  all.content += rest.content;
  if (!stream.reasoned()) return {std::nullopt, std::move(all.content)};
  ReasoningSplit split;
  if (!(stream.ended_by_tool_call() && all.reasoning.empty())) split.reasoning = std::move(all.reasoning);
  if (!all.content.empty()) split.content = std::move(all.content);
  return split;
}

}  // namespace gatehouse::serve
