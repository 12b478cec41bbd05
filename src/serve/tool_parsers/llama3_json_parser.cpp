// vLLM's llama3_json parser (also llama4_json): calls are JSON objects {"name": ...,
// "arguments"|"parameters": ...}, after an optional <|python_tag|>, usually separated by "; ".
// Without streaming, every '{' after the last call's end starts an object that must be a call;
// when calls are found the content is null (text around them is dropped), and any object that is
// not a call makes the whole answer plain text. Streaming looks for calls only when the answer
// starts with <|python_tag|> or '{' (vLLM's rule; leading whitespace is allowed here, so that the
// two paths agree on it), and streams anything else as content.
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

constexpr std::string_view kPythonTag = "<|python_tag|>";
constexpr std::array<std::string_view, 2> kArgumentKeys = {"arguments", "parameters"};
constexpr size_t npos = std::string::npos;

class Llama3JsonStream final : public TextToolStream {
 private:
  enum class State { detecting, seeking, in_object };

  void advance(bool final) override {
    while (parsing()) {
      switch (state_) {
        case State::detecting:
          if (!detect(final)) return;
          break;
        case State::seeking: {
          const size_t at = text_.find('{', search_from_);
          if (at == npos) {
            pos_ = text_.size();
            if (final && !out_.called()) give_up(0);
            return;
          }
          pos_ = at;
          call_.emplace(calls_, kArgumentKeys);
          state_ = State::in_object;
          break;
        }
        case State::in_object:
          pos_ += call_->read(std::string_view(text_).substr(pos_), out_);
          if (call_->state() == JsonObjectScanner::State::reading && !final) return;
          if (call_->state() != JsonObjectScanner::State::complete || !call_->has_name() || !call_->has_arguments()) {
            give_up(0);
            return;
          }
          ++calls_;
          search_from_ = pos_ + 1;  // a '{' right after the object is skipped, as vLLM skips it
          state_ = State::seeking;
          break;
      }
    }
  }

  // Decides whether the answer starts like calls; false while it cannot tell yet.
  bool detect(bool final) {
    size_t start = 0;
    while (start < text_.size() && is_json_space(text_[start])) ++start;
    const std::string_view rest = std::string_view(text_).substr(start);
    if (rest.starts_with(kPythonTag) || rest.starts_with('{')) {
      pos_ = search_from_ = rest.starts_with('{') ? start : start + kPythonTag.size();
      state_ = State::seeking;
      return true;
    }
    if (!final && kPythonTag.starts_with(rest)) return false;
    all_content(0);
    return true;
  }

  State state_ = State::detecting;
  size_t search_from_ = 0;
  int calls_ = 0;
  std::optional<StreamedJsonCall> call_;
};

class Llama3JsonParser final : public ToolParser {
 public:
  ParsedToolCalls parse(std::string_view text) const override {
    if (text.find(kPythonTag) == npos && text.find('{') == npos) return plain_text(text);
    ParsedToolCalls parsed;
    for (size_t at = text.find('{'); at != npos;) {
      const std::optional<JsonPrefix> object = json_raw_decode(text.substr(at));
      std::optional<JsonCall> call = object ? json_call(object->value, kArgumentKeys) : std::nullopt;
      if (!call || !call->arguments) return plain_text(text);
      parsed.calls.push_back({make_tool_call_id(), std::move(call->name), std::move(*call->arguments)});
      // vLLM skips every '{' up to and including the one just after the object.
      const size_t end = at + object->end;
      at = end + 1 < text.size() ? text.find('{', end + 1) : npos;
    }
    if (parsed.calls.empty()) return plain_text(text);
    return parsed;
  }

  std::unique_ptr<ToolCallStream> stream() const override { return std::make_unique<Llama3JsonStream>(); }
};

}  // namespace

std::unique_ptr<ToolParser> make_llama3_json_parser() { return std::make_unique<Llama3JsonParser>(); }

}  // namespace gatehouse::serve::tool_parsers
