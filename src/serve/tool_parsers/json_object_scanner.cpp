#include "serve/tool_parsers/json_object_scanner.h"

#include "base/json.h"
#include "serve/tool_parsers/py_json.h"

namespace gatehouse::serve::tool_parsers {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

size_t JsonObjectScanner::feed(std::string_view text) {
  size_t read = 0;
  while (read < text.size() && state_ == State::reading) {
    step(text[read]);
    if (state_ == State::invalid) break;  // the byte that broke the syntax is not read
    ++read;
    ++offset_;
  }
  return read;
}

void JsonObjectScanner::step(char c) {
  if (expect_ == Expect::number) {
    if (number_step(c)) return;
    const bool complete = number_ == Number::zero || number_ == Number::integer || number_ == Number::fraction ||
                          number_ == Number::exponent;
    if (!complete) {
      state_ = State::invalid;
      return;
    }
    value_done(offset_);  // `c` ends the number and is read as what follows it
  }
  const bool space = is_json_space(c);
  switch (expect_) {
    case Expect::object:
      if (c == '{') {
        open('{', Expect::key_or_close);
      } else if (!space) {
        state_ = State::invalid;
      }
      return;
    case Expect::key_or_close:
    case Expect::key:
      if (c == '"') {
        in_key_ = true;
        expect_ = Expect::string;
        if (stack_.size() == 1) members_.push_back({offset_, npos, npos, npos});
      } else if (c == '}' && expect_ == Expect::key_or_close) {
        close(c);
      } else if (!space) {
        state_ = State::invalid;
      }
      return;
    case Expect::colon:
      if (c == ':') {
        expect_ = Expect::value;
      } else if (!space) {
        state_ = State::invalid;
      }
      return;
    case Expect::value_or_close:
    case Expect::value:
      if (c == ']' && expect_ == Expect::value_or_close) {
        close(c);
      } else if (!space) {
        start_value(c);
      }
      return;
    case Expect::comma_or_close:
      if (c == ',') {
        expect_ = stack_.back() == '{' ? Expect::key : Expect::value;
      } else if (c == '}' || c == ']') {
        close(c);
      } else if (!space) {
        state_ = State::invalid;
      }
      return;
    case Expect::string:
      if (hex_left_ > 0) {
        --hex_left_;
        if (!is_hex(c)) state_ = State::invalid;
      } else if (escaped_) {
        escaped_ = false;
        if (c == 'u') {
          hex_left_ = 4;
        } else if (std::string_view("\"\\/bfnrt").find(c) == std::string_view::npos) {
          state_ = State::invalid;
        }
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        if (!in_key_) {
          value_done(offset_ + 1);
          return;
        }
        if (stack_.size() == 1) members_.back().key_end = offset_ + 1;
        expect_ = Expect::colon;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        state_ = State::invalid;
      }
      return;
    case Expect::word:
      if (c != word_[word_matched_]) {
        state_ = State::invalid;
      } else if (++word_matched_ == word_.size()) {
        value_done(offset_ + 1);
      }
      return;
    case Expect::number: return;  // handled above
  }
}

void JsonObjectScanner::start_value(char c) {
  if (stack_.size() == 1) members_.back().value_begin = offset_;
  auto word = [&](std::string_view text) {
    word_ = text;
    word_matched_ = 1;
    expect_ = Expect::word;
  };
  switch (c) {
    case '{': open('{', Expect::key_or_close); return;
    case '[': open('[', Expect::value_or_close); return;
    case '"':
      in_key_ = false;
      expect_ = Expect::string;
      return;
    case '-':
      number_ = Number::minus;
      expect_ = Expect::number;
      return;
    case 't': word("true"); return;
    case 'f': word("false"); return;
    case 'n': word("null"); return;
    case 'N': word("NaN"); return;
    case 'I': word("Infinity"); return;
    default: break;
  }
  if (!is_digit(c)) {
    state_ = State::invalid;
    return;
  }
  number_ = c == '0' ? Number::zero : Number::integer;
  expect_ = Expect::number;
}

bool JsonObjectScanner::number_step(char c) {
  const bool digit = is_digit(c);
  const bool e = c == 'e' || c == 'E';
  switch (number_) {
    case Number::minus:
      if (c == 'I') {
        word_ = "-Infinity";
        word_matched_ = 2;
        expect_ = Expect::word;
        return true;
      }
      if (!digit) return false;
      number_ = c == '0' ? Number::zero : Number::integer;
      return true;
    case Number::zero:
    case Number::integer:
      if (digit && number_ == Number::integer) return true;
      if (c == '.') number_ = Number::dot;
      else if (e) number_ = Number::e;
      else return false;
      return true;
    case Number::dot:
      if (!digit) return false;
      number_ = Number::fraction;
      return true;
    case Number::fraction:
      if (digit) return true;
      if (!e) return false;
      number_ = Number::e;
      return true;
    case Number::e:
      if (c == '+' || c == '-') number_ = Number::e_sign;
      else if (digit) number_ = Number::exponent;
      else return false;
      return true;
    case Number::e_sign:
      if (!digit) return false;
      number_ = Number::exponent;
      return true;
    case Number::exponent: return digit;
  }
  return false;
}

void JsonObjectScanner::open(char bracket, Expect next) {
  if (stack_.size() >= json::kMaxDepth) {
    state_ = State::invalid;
    return;
  }
  stack_.push_back(bracket);
  expect_ = next;
}

void JsonObjectScanner::close(char bracket) {
  if (stack_.back() != (bracket == '}' ? '{' : '[')) {
    state_ = State::invalid;
    return;
  }
  stack_.pop_back();
  value_done(offset_ + 1);
}

void JsonObjectScanner::value_done(size_t end) {
  if (stack_.empty()) {
    state_ = State::complete;
    return;
  }
  if (stack_.size() == 1) members_.back().value_end = end;
  expect_ = Expect::comma_or_close;
}

}  // namespace gatehouse::serve::tool_parsers
