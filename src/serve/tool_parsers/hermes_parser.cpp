// vLLM's hermes parser (Hermes2ProToolParser: Qwen2.5, Qwen3, Hermes models). Calls are
// <tool_call>{"name": ..., "arguments": ...}</tool_call>, one after another; the last may lack its
// closing tag. The content is the text before the first <tool_call>; text between and after calls
// is dropped. A call that is not such JSON makes the whole answer plain text.
#include <array>
#include <optional>

#include "serve/tool_parsers/answer_text.h"
#include "serve/tool_parsers/json_call.h"
#include "serve/tool_parsers/parsers.h"
#include "serve/tool_parsers/py_json.h"
#include "serve/tool_parsers/streamed_json_call.h"
#include "serve/tool_parsers/text_tool_stream.h"
#include "serve/tool_parsers/tool_call_id.h"

namespace gatehouse::serve::tool_parsers {

namespace {

constexpr std::string_view kStart = "<tool_call>";
constexpr std::string_view kEnd = "</tool_call>";
constexpr std::array<std::string_view, 1> kArgumentKeys = {"arguments"};
constexpr size_t npos = std::string::npos;

class HermesStream final : public TextToolStream {
 private:
  enum class State { before_calls, in_call, between_calls };

  void advance(bool final) override {
    while (parsing()) {
      if (state_ == State::in_call) {
        if (!read_call(final)) return;
        continue;
      }
      // Text before the first call is content; text between calls is dropped.
      const size_t at = text_.find(kStart, pos_);
      const size_t end = at != npos ? at : readable_end(kStart, final);
      if (state_ == State::before_calls) out_.content(std::string_view(text_).substr(pos_, end - pos_));
      pos_ = end;
      if (at == npos) return;
      if (state_ == State::before_calls) calls_from_ = at;
      pos_ = at + kStart.size();
      call_.emplace(calls_, kArgumentKeys);
      state_ = State::in_call;
    }
  }

  // Reads the current call, whose text ends at the next </tool_call> (or the answer's end); returns
  // whether the call is over.
  bool read_call(bool final) {
    const size_t close = text_.find(kEnd, pos_);
    const size_t end = close != npos ? close : readable_end(kEnd, final);
    pos_ += call_->read(std::string_view(text_).substr(pos_, end - pos_), out_);
    bool bad = call_->state() == JsonObjectScanner::State::invalid;
    if (call_->state() == JsonObjectScanner::State::complete) {
      while (pos_ < end && is_json_space(text_[pos_])) ++pos_;
      bad = pos_ < end;  // json.loads allows nothing else after the object
    }
    if (!bad && close == npos && !final) return false;
    if (bad || call_->state() != JsonObjectScanner::State::complete || !call_->has_name() || !call_->has_arguments()) {
      give_up(calls_from_);
      return true;
    }
    ++calls_;
    pos_ = close != npos ? close + kEnd.size() : text_.size();
    state_ = State::between_calls;
    return true;
  }

  State state_ = State::before_calls;
  size_t calls_from_ = 0;  // where the first <tool_call> starts
  int calls_ = 0;
  std::optional<StreamedJsonCall> call_;
};

class HermesParser final : public ToolParser {
 public:
  ParsedToolCalls parse(std::string_view text) const override {
    const size_t first = text.find(kStart);
    if (first == npos) return plain_text(text);
    ParsedToolCalls parsed;
    for (size_t at = first; at != npos; at = text.find(kStart, at)) {
      const size_t body = at + kStart.size();
      const size_t close = text.find(kEnd, body);
      const std::optional<PyValue> value = json_loads(text.substr(body, close == npos ? npos : close - body));
      std::optional<JsonCall> call = value ? json_call(*value, kArgumentKeys) : std::nullopt;
      if (!call || !call->arguments) return plain_text(text);
      parsed.calls.push_back({make_tool_call_id(), std::move(call->name), std::move(*call->arguments)});
      at = close == npos ? text.size() : close + kEnd.size();
    }
    parsed.content = content_before_calls(text.substr(0, first));
    return parsed;
  }

  std::unique_ptr<ToolCallStream> stream() const override { return std::make_unique<HermesStream>(); }
};

}  // namespace

std::unique_ptr<ToolParser> make_hermes_parser() { return std::make_unique<HermesParser>(); }

}  // namespace gatehouse::serve::tool_parsers
