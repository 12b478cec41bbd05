// vLLM's pythonic parser (Llama 3.2 and 4 in their pythonic templates): the whole answer is a
// Python list of calls, [get_weather(city='Paris'), get_time(zone=None)], whose arguments are
// literals (python_literal.h); they become JSON objects. When calls are found the content is null;
// any other answer is plain text, with no mixing. The list may be followed by whitespace and
// comments only (Python would accept further statements; vLLM ignores them, rarely useful).
// Streaming looks for calls only when the answer starts with '[', and sends each call whole
// (id, name and arguments in one delta) once its closing ')' arrives and it parses.
#include <algorithm>
#include <optional>
#include <vector>

#include "serve/tool_parsers/answer_text.h"
#include "serve/tool_parsers/parsers.h"
#include "serve/tool_parsers/python_literal.h"
#include "serve/tool_parsers/text_tool_stream.h"
#include "serve/tool_parsers/tool_call_id.h"

namespace gatehouse::serve::tool_parsers {

namespace {

class PythonicStream final : public TextToolStream {
 private:
  enum class State { detecting, call, name, arguments, after_call, after_comma, after_list };

  void advance(bool final) override {
    while (parsing()) {
      if (state_ == State::detecting) {
        if (text_.empty() && !final) return;
        if (!text_.starts_with('[')) {
          all_content(0);
          return;
        }
        pos_ = 1;
        state_ = State::call;
        continue;
      }
      if (state_ == State::arguments) {
        if (!scan_arguments(final)) return;
        continue;
      }
      if (state_ == State::after_call || state_ == State::after_comma || state_ == State::after_list) {
        const std::optional<size_t> next = skip_python_space(text_, pos_, final);
        if (!next) return;
        pos_ = *next;
      }
      if (pos_ == text_.size()) {
        if (final && state_ != State::after_list) give_up(0);  // the list is unfinished
        return;
      }
      const char c = text_[pos_];
      switch (state_) {
        case State::call:
        case State::after_comma:
          if (!is_name_start(c)) {
            give_up(0);
            return;
          }
          call_from_ = pos_;
          state_ = State::name;
          break;
        case State::name:
          while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
          if (pos_ == text_.size()) break;
          if (text_[pos_] != '(') {
            give_up(0);
            return;
          }
          ++pos_;
          brackets_.assign(1, '(');
          state_ = State::arguments;
          break;
        case State::after_call:
          if (c != ',' && c != ']') {
            give_up(0);
            return;
          }
          ++pos_;
          state_ = c == ',' ? State::after_comma : State::after_list;
          break;
        default:  // after_list: nothing may follow the list
          give_up(0);
          return;
      }
    }
  }

  // Follows brackets, strings and comments up to the ')' that closes the call, then reads the
  // call. Returns false while more text is needed.
  bool scan_arguments(bool final) {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (quote_) {
        if (c == '\\') {
          if (pos_ + 1 == text_.size() && !final) return false;
          pos_ = std::min(pos_ + 2, text_.size());
        } else if (triple_ && c == quote_) {
          if (pos_ + 3 > text_.size() && !final) return false;
          const bool closing = text_.compare(pos_, 3, std::string(3, quote_)) == 0;
          pos_ += closing ? 3 : 1;
          if (closing) quote_ = 0;
        } else {
          if (!triple_ && c == quote_) quote_ = 0;
          if (!triple_ && c == '\n') return broken();  // an unterminated string
          ++pos_;
        }
        continue;
      }
      if (c == '\'' || c == '"') {
        if (pos_ + 3 > text_.size() && !final) return false;  // "''" and "'''" start differently
        triple_ = text_.compare(pos_, 3, std::string(3, c)) == 0;
        const bool empty = !triple_ && text_.compare(pos_, 2, std::string(2, c)) == 0;
        pos_ += triple_ ? 3 : empty ? 2 : 1;
        if (!empty) quote_ = c;
        continue;
      }
      if (c == '#') {
        const size_t line_end = text_.find('\n', pos_);
        if (line_end == std::string::npos && !final) return false;
        pos_ = line_end == std::string::npos ? text_.size() : line_end + 1;
        continue;
      }
      ++pos_;
      if (c == '(' || c == '[' || c == '{') {
        brackets_.push_back(c);
      } else if (c == ')' || c == ']' || c == '}') {
        const char open = c == ')' ? '(' : c == ']' ? '[' : '{';
        if (brackets_.back() != open) return broken();
        brackets_.pop_back();
        if (brackets_.empty()) return read_call();
      }
    }
    if (final) give_up(0);  // the text ended inside the call
    return false;
  }

  bool broken() {
    give_up(0);
    return false;
  }

  bool read_call() {
    std::optional<std::pair<PythonCall, size_t>> call = read_python_call(text_, call_from_);
    if (!call || call->second != pos_) return broken();
    out_.start_call(calls_++, make_tool_call_id(), std::move(call->first.name), dumps(call->first.arguments));
    state_ = State::after_call;
    return true;
  }

  State state_ = State::detecting;
  size_t call_from_ = 0;  // where the current call's name starts
  std::vector<char> brackets_;
  char quote_ = 0;  // inside a string: its quote character
  bool triple_ = false;
  int calls_ = 0;
};

class PythonicParser final : public ToolParser {
 public:
  ParsedToolCalls parse(std::string_view text) const override {
    if (!text.starts_with('[')) return plain_text(text);
    ParsedToolCalls parsed;
    size_t pos = 1;
    while (true) {
      std::optional<std::pair<PythonCall, size_t>> call = read_python_call(text, pos);
      if (!call) return plain_text(text);
      parsed.calls.push_back({make_tool_call_id(), std::move(call->first.name), dumps(call->first.arguments)});
      pos = *skip_python_space(text, call->second);
      if (pos == text.size() || (text[pos] != ',' && text[pos] != ']')) return plain_text(text);
      if (text[pos++] == ']') break;
      pos = *skip_python_space(text, pos);
    }
    if (*skip_python_space(text, pos) != text.size()) return plain_text(text);
    return parsed;
  }

  std::unique_ptr<ToolCallStream> stream() const override { return std::make_unique<PythonicStream>(); }
};

}  // namespace

std::unique_ptr<ToolParser> make_pythonic_parser() { return std::make_unique<PythonicParser>(); }

}  // namespace gatehouse::serve::tool_parsers
