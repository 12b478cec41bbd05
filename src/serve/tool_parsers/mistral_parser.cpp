// vLLM's mistral parser. Calls follow a [TOOL_CALLS] marker in one of two forms, told apart here by
// the text (vLLM asks the tokenizer's version):
//   before tokenizer v11: [TOOL_CALLS] [{"name": ..., "arguments": {...}}, ...]  (one marker; the
//     arguments may be missing, then {}; text after the array is ignored);
//   v11 and later: [TOOL_CALLS]name{args}[TOOL_CALLS]name2{args2}  (the arguments are the raw text
//     up to the next marker, kept even when it is not JSON; a part without '{' is no call).
// The content is the text before the first marker. Ids are 9 letters and digits. Where vLLM fails
// the request (more than one marker in the older form, calls that are not name/arguments objects)
// or returns only the text after the marker (JSON that does not parse), the whole answer is plain
// text here.
#include <array>
#include <optional>
#include <vector>

#include "serve/tool_parsers/answer_text.h"
#include "serve/tool_parsers/json_call.h"
#include "serve/tool_parsers/parsers.h"
#include "serve/tool_parsers/py_json.h"
#include "serve/tool_parsers/streamed_json_call.h"
#include "serve/tool_parsers/text_tool_stream.h"
#include "serve/tool_parsers/tool_call_id.h"

namespace gatehouse::serve::tool_parsers {

namespace {

constexpr std::string_view kMarker = "[TOOL_CALLS]";
constexpr std::string_view kArgsMarker = "[ARGS]";  // between name and arguments in HF tokenizers' text
constexpr std::array<std::string_view, 1> kArgumentKeys = {"arguments"};
constexpr size_t npos = std::string::npos;

// A v11 call's name: the text before its arguments, without [ARGS].
std::string call_name(std::string_view text) {
  std::string name;
  for (size_t at = 0; at < text.size();) {
    const size_t marker = text.find(kArgsMarker, at);
    name.append(text.substr(at, marker == npos ? npos : marker - at));
    at = marker == npos ? text.size() : marker + kArgsMarker.size();
  }
  return name;
}

// Whether the text after the first marker is in the older form: a JSON array first.
bool is_array_form(std::string_view after_marker) {
  size_t at = 0;
  while (at < after_marker.size() && is_json_space(after_marker[at])) ++at;
  return after_marker.substr(at).starts_with('[') && !after_marker.substr(at).starts_with(kMarker);
}

class MistralStream final : public TextToolStream {
 private:
  enum class State { before_marker, detecting, name, arguments, array_open, element_start, element, after_element, after_array };

  void advance(bool final) override {
    while (parsing()) {
      switch (state_) {
        case State::before_marker: {
          const size_t at = text_.find(kMarker, pos_);
          const size_t end = at != npos ? at : readable_end(kMarker, final);
          out_.content(std::string_view(text_).substr(pos_, end - pos_));
          pos_ = end;
          if (at == npos) return;
          calls_from_ = at;
          pos_ = name_from_ = at + kMarker.size();
          state_ = State::detecting;
          break;
        }
        case State::detecting: {
          const std::string_view rest = std::string_view(text_).substr(pos_);
          size_t at = 0;
          while (at < rest.size() && is_json_space(rest[at])) ++at;
          const std::string_view start = rest.substr(at);
          if (!final && start.size() < kMarker.size() && kMarker.starts_with(start)) return;  // may be a marker
          state_ = is_array_form(rest) ? State::array_open : State::name;
          break;
        }
        case State::name:
          if (!read_name(final)) return;
          break;
        case State::arguments:
          if (!read_arguments(final)) return;
          break;
        case State::array_open:
        case State::element_start:
        case State::after_element:
          if (!read_array_punctuation(final)) return;
          break;
        case State::element:
          if (!read_element(final)) return;
          break;
        case State::after_array:
          pos_ = text_.size();
          return;
      }
    }
  }

  // v11: the name runs to the '{' of the arguments; a part that reaches the next marker (or the
  // end) first is no call. Returns false while more text is needed.
  bool read_name(bool final) {
    const size_t marker = text_.find(kMarker, pos_);
    const size_t end = marker != npos ? marker : readable_end(kMarker, final);
    const size_t brace = text_.find('{', pos_);
    if (brace < end) {
      out_.start_call(calls_, make_mistral_tool_call_id(), call_name(std::string_view(text_).substr(name_from_, brace - name_from_)),
                      "");
      pos_ = brace;
      state_ = State::arguments;
      return true;
    }
    pos_ = end;
    if (marker != npos) {
      pos_ = name_from_ = marker + kMarker.size();
      return true;
    }
    if (final && !out_.called()) give_up(calls_from_);
    return false;
  }

  // v11: the arguments are the text up to the next marker.
  bool read_arguments(bool final) {
    const size_t marker = text_.find(kMarker, pos_);
    const size_t end = marker != npos ? marker : readable_end(kMarker, final);
    out_.arguments(calls_, std::string_view(text_).substr(pos_, end - pos_));
    pos_ = end;
    if (marker == npos) return false;
    ++calls_;
    pos_ = name_from_ = marker + kMarker.size();
    state_ = State::name;
    return true;
  }

  // The older form's '[', ',' and ']' around the call objects.
  bool read_array_punctuation(bool final) {
    while (pos_ < text_.size() && is_json_space(text_[pos_])) ++pos_;
    if (pos_ == text_.size()) {
      if (final) give_up(calls_from_);
      return false;
    }
    const char c = text_[pos_];
    if (state_ == State::array_open && c == '[') {
      state_ = State::element_start;
    } else if (state_ == State::element_start && c == '{') {
      call_.emplace(calls_, kArgumentKeys, make_mistral_tool_call_id);
      state_ = State::element;
      return true;  // the object starts at pos_
    } else if (state_ == State::after_element && (c == ',' || c == ']')) {
      state_ = c == ',' ? State::element_start : State::after_array;
    } else {
      give_up(calls_from_);  // an empty array is no call either
      return false;
    }
    ++pos_;
    return true;
  }

  bool read_element(bool final) {
    pos_ += call_->read(std::string_view(text_).substr(pos_), out_);
    if (call_->state() == JsonObjectScanner::State::reading && !final) return false;
    if (call_->state() != JsonObjectScanner::State::complete || !call_->has_name()) {
      give_up(calls_from_);
      return false;
    }
    if (!call_->has_arguments()) call_->send_without_arguments(out_);
    ++calls_;
    state_ = State::after_element;
    return true;
  }

  State state_ = State::before_marker;
  size_t calls_from_ = 0;  // where the first marker starts
  size_t name_from_ = 0;   // where the current v11 part starts
  int calls_ = 0;
  std::optional<StreamedJsonCall> call_;
};

class MistralParser final : public ToolParser {
 public:
  ParsedToolCalls parse(std::string_view text) const override {
    const size_t first = text.find(kMarker);
    if (first == npos) return plain_text(text);
    std::vector<std::string_view> parts;
    for (size_t at = first + kMarker.size();;) {
      const size_t next = text.find(kMarker, at);
      parts.push_back(text.substr(at, next == npos ? npos : next - at));
      if (next == npos) break;
      at = next + kMarker.size();
    }
    ParsedToolCalls parsed;
    if (is_array_form(parts.front())) {
      if (parts.size() != 1 || !read_array(parts.front(), parsed)) return plain_text(text);
    } else {
      for (std::string_view part : parts) {
        const size_t brace = part.find('{');
        if (brace == npos) continue;
        parsed.calls.push_back({make_mistral_tool_call_id(), call_name(part.substr(0, brace)), std::string(part.substr(brace))});
      }
    }
    if (parsed.calls.empty()) return plain_text(text);
    parsed.content = content_before_calls(text.substr(0, first));
    return parsed;
  }

  std::unique_ptr<ToolCallStream> stream() const override { return std::make_unique<MistralStream>(); }

 private:
  // The older form: the JSON array that starts the text (anything after it ignored), or else,
  // as vLLM falls back to the regex \[{.*}\], the text from the first "[{" to the last "}]".
  static bool read_array(std::string_view part, ParsedToolCalls& parsed) {
    const std::string_view text = python_strip(part);
    std::optional<PyValue> calls;
    if (std::optional<JsonPrefix> prefix = json_raw_decode(text)) {
      calls = std::move(prefix->value);
    } else {
      const size_t open = text.find("[{");
      const size_t close = text.rfind("}]");
      if (open != npos && close != npos && close >= open + 2) calls = json_loads(text.substr(open, close + 2 - open));
    }
    if (!calls || calls->kind != PyValue::Kind::array) return false;
    for (const PyValue& item : calls->items) {
      std::optional<JsonCall> call = json_call(item, kArgumentKeys);
      if (!call) return false;
      parsed.calls.push_back({make_mistral_tool_call_id(), std::move(call->name), call->arguments.value_or("{}")});
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<ToolParser> make_mistral_parser() { return std::make_unique<MistralParser>(); }

}  // namespace gatehouse::serve::tool_parsers
