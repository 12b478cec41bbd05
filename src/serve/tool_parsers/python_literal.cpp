#include "serve/tool_parsers/python_literal.h"

#include <algorithm>
#include <array>
#include <set>
#include <vector>

#include "base/json.h"

namespace gatehouse::serve::tool_parsers {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

bool is_keyword(std::string_view name) {
  static constexpr std::array<std::string_view, 35> kKeywords = {
      "False", "None",   "True",    "and",      "as",     "assert", "async",  "await",    "break",
      "class", "continue", "def",   "del",      "elif",   "else",   "except", "finally",  "for",
      "from",  "global", "if",      "import",   "in",     "is",     "lambda", "nonlocal", "not",
      "or",    "pass",   "raise",   "return",   "try",    "while",  "with",   "yield"};
  return std::find(kKeywords.begin(), kKeywords.end(), name) != kKeywords.end();
}

// Decimal text of the digits of an integer written in base 2, 8 or 16.
std::string to_decimal(std::string_view digits, int base) {
  std::vector<uint8_t> decimal;  // least significant first
  for (char c : digits) {
    int carry = digit_value(c);
    for (uint8_t& limb : decimal) {
      const int value = limb * base + carry;
      limb = static_cast<uint8_t>(value % 10);
      carry = value / 10;
    }
    for (; carry > 0; carry /= 10) decimal.push_back(static_cast<uint8_t>(carry % 10));
  }
  std::string text;
  for (auto it = decimal.rbegin(); it != decimal.rend(); ++it) text += static_cast<char>('0' + *it);
  return text.empty() ? "0" : text;
}

class Reader {
 public:
  explicit Reader(std::string_view text, size_t pos) : text_(text), pos_(pos) {}

  std::optional<PythonCall> call() {
    PythonCall call;
    if (!name(call.name) || !at('(')) return std::nullopt;
    ++pos_;  // nothing may come between '(' and the first keyword or ')', as in vLLM's regex
    ObjectBuilder arguments;
    std::set<std::string> seen;
    while (!at(')')) {
      std::string keyword;
      if (!name(keyword) || !seen.insert(keyword).second) return std::nullopt;
      // vLLM's regex wants the first '=' right after its keyword, and its ".*" lets later ones be
      // spaced as Python allows.
      if (seen.size() > 1) skip_space();
      if (!at('=')) return std::nullopt;
      ++pos_;
      skip_space();
      PyValue value;
      if (!literal(value, 1)) return std::nullopt;
      arguments.set(keyword, keyword, std::move(value));
      if (!separator(')')) return std::nullopt;
    }
    ++pos_;
    call.arguments = arguments.take();
    return call;
  }

  size_t pos() const { return pos_; }

 private:
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  void skip_space() { pos_ = *skip_python_space(text_, pos_); }

  // After an item: spaces, then a ',' (with spaces after it) or the closing bracket, left unread.
  bool separator(char close) {
    skip_space();
    if (at(',')) {
      ++pos_;
      skip_space();
      return true;
    }
    return at(close);
  }

  bool name(std::string& out) {
    if (pos_ >= text_.size() || !is_name_start(text_[pos_])) return false;
    const size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    out = text_.substr(start, pos_ - start);
    return !is_keyword(out);
  }

  bool literal(PyValue& out, size_t depth) {
    if (pos_ >= text_.size() || depth > json::kMaxDepth) return false;
    const char c = text_[pos_];
    if (c == '[') return list(out, depth + 1);
    if (c == '{') return dict(out, depth + 1);
    if (c == '(') return parenthesized(out, depth + 1);
    if (is_digit(c) || (c == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1]))) return number(out);
    return constant_word(out);
  }

  // True, False, None or a string (its prefix is a word too); a bare name is not a literal.
  bool constant_word(PyValue& out) {
    if (string_starts()) {
      out.kind = PyValue::Kind::string;
      out.text.clear();
      while (string_starts()) {
        if (!string(out.text)) return false;
        const size_t after = pos_;
        skip_space();
        if (!string_starts()) pos_ = after;
      }
      return true;
    }
    const size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    const std::string_view word = text_.substr(start, pos_ - start);
    if (word == "True" || word == "False") {
      out = PyValue::of(word == "True");
    } else if (word == "None") {
      out = PyValue{};
    } else {
      return false;
    }
    return true;
  }

  // Whether a str literal starts here: a quote, after no prefix or an r/u one. Bytes and f-strings
  // do not count: json.dumps cannot write bytes, and an f-string is not an ast.Constant.
  bool string_starts() const {
    size_t at = pos_;
    while (at < text_.size() && at - pos_ < 2 && is_name_start(text_[at])) ++at;
    if (at >= text_.size() || (text_[at] != '\'' && text_[at] != '"')) return false;
    std::string prefix(text_.substr(pos_, at - pos_));
    for (char& c : prefix) c = static_cast<char>(c | 0x20);
    return prefix.empty() || prefix == "r" || prefix == "u";
  }

  bool string(std::string& out) {
    bool raw = false;
    while (text_[pos_] != '\'' && text_[pos_] != '"') raw |= (text_[pos_++] | 0x20) == 'r';
    const char quote = text_[pos_];
    const std::string triple(3, quote);
    const bool long_string = text_.substr(pos_, 3) == triple;
    pos_ += long_string ? 3 : 1;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (long_string ? text_.substr(pos_, 3) == triple : c == quote) {
        pos_ += long_string ? 3 : 1;
        return true;
      }
      if (!long_string && (c == '\n' || c == '\r')) return false;
      if (c != '\\') {
        out += c;
        ++pos_;
      } else if (pos_ + 1 >= text_.size()) {
        return false;
      } else if (raw) {
        out.append(text_.substr(pos_, 2));
        pos_ += 2;
      } else if (!escape(out)) {
        return false;
      }
    }
    return false;
  }

  // The escape at text_[pos_] ('\\' first) in a str literal.
  bool escape(std::string& out) {
    const char c = text_[pos_ + 1];
    pos_ += 2;
    switch (c) {
      case '\n': return true;  // a line continuation
      case '\\': out += '\\'; return true;
      case '\'': out += '\''; return true;
      case '"': out += '"'; return true;
      case 'a': out += '\a'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'v': out += '\v'; return true;
      case 'x': return code_point(2, out);
      case 'u': return code_point(4, out);
      case 'U': return code_point(8, out);
      case 'N': return false;  // \N{name}: named characters are not supported
      default: break;
    }
    if (c >= '0' && c <= '7') {
      char32_t value = c - '0';
      for (int i = 0; i < 2 && pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '7'; ++i) {
        value = value * 8 + (text_[pos_++] - '0');
      }
      append_code_point(out, value);
      return true;
    }
    out += '\\';  // an unknown escape stays as written
    --pos_;
    return true;
  }

  bool code_point(int digits, std::string& out) {
    if (pos_ + digits > text_.size()) return false;
    char32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      const int digit = digit_value(text_[pos_ + i]);
      if (digit >= 16) return false;
      value = value * 16 + digit;
    }
    if (value > 0x10FFFF) return false;
    pos_ += digits;
    append_code_point(out, value);
    return true;
  }

  // Digits in `base`, with single underscores between them; false when there are none.
  bool digit_part(int base, std::string& digits) {
    const size_t start = digits.size();
    while (pos_ < text_.size()) {
      if (text_[pos_] == '_' && digits.size() > start && pos_ + 1 < text_.size() &&
          digit_value(text_[pos_ + 1]) < base) {
        ++pos_;
      }
      if (pos_ >= text_.size() || digit_value(text_[pos_]) >= base) break;
      digits += text_[pos_++];
    }
    return digits.size() > start;
  }

  bool number(PyValue& out) {
    std::string digits;
    const char marker = pos_ + 1 < text_.size() && text_[pos_] == '0' ? static_cast<char>(text_[pos_ + 1] | 0x20) : 0;
    if (marker == 'x' || marker == 'o' || marker == 'b') {
      pos_ += 2;
      if (at('_')) ++pos_;
      const int base = marker == 'x' ? 16 : marker == 'o' ? 8 : 2;
      if (!digit_part(base, digits) || followed_by_name()) return false;
      if (digits.size() > 4300) return false;
      std::optional<std::string> text = int_text(to_decimal(digits, base), false);
      if (!text) return false;
      out = PyValue::of(PyValue::Kind::number, std::move(*text));
      return true;
    }
    const bool has_integer = digit_part(10, digits);
    bool is_float = false;
    if (at('.')) {
      is_float = true;
      digits += text_[pos_++];
      if (!digit_part(10, digits) && !has_integer) return false;
    }
    if (pos_ < text_.size() && (text_[pos_] | 0x20) == 'e') {
      is_float = true;
      digits += text_[pos_++];
      if (at('+') || at('-')) digits += text_[pos_++];
      if (!digit_part(10, digits)) return false;
    }
    if (followed_by_name()) return false;  // 1j (complex), 1abc, and the like
    if (is_float) {
      out = PyValue::of(PyValue::Kind::number, float_text(std::string_view(digits)));
      return true;
    }
    // A decimal integer has no leading zero unless it is all zeros.
    if (digits.size() > 1 && digits[0] == '0' && digits.find_first_not_of('0') != std::string::npos) return false;
    std::optional<std::string> text = int_text(digits, false);
    if (!text) return false;
    out = PyValue::of(PyValue::Kind::number, std::move(*text));
    return true;
  }

  bool followed_by_name() const { return pos_ < text_.size() && (is_name_char(text_[pos_]) || text_[pos_] == '.'); }

  bool list(PyValue& out, size_t depth) {
    ++pos_;
    out = PyValue::of(PyValue::Kind::array);
    skip_space();
    while (!at(']')) {
      PyValue item;
      if (!literal(item, depth) || !separator(']')) return false;
      out.items.push_back(std::move(item));
    }
    ++pos_;
    return true;
  }

  bool dict(PyValue& out, size_t depth) {
    ++pos_;
    ObjectBuilder builder;
    skip_space();
    while (!at('}')) {
      PyValue key;
      if (!literal(key, depth) || key.kind == PyValue::Kind::array || key.kind == PyValue::Kind::object) return false;
      skip_space();
      if (!at(':')) return false;
      ++pos_;
      skip_space();
      PyValue value;
      if (!literal(value, depth) || !separator('}')) return false;
      auto [identity, text] = key_text(key);
      builder.set(std::move(identity), std::move(text), std::move(value));
    }
    ++pos_;
    out = builder.take();
    return true;
  }

  // How a dict tells the key apart from others, and how json.dumps writes it.
  static std::pair<std::string, std::string> key_text(const PyValue& key) {
    switch (key.kind) {
      case PyValue::Kind::string: return {"s" + key.text, key.text};
      case PyValue::Kind::number: return {"n" + key.text, key.text};
      case PyValue::Kind::boolean: return {key.boolean ? "n1" : "n0", key.boolean ? "true" : "false"};
      default: return {"null", "null"};
    }
  }

  // (literal): the literal itself; a tuple is refused.
  bool parenthesized(PyValue& out, size_t depth) {
    ++pos_;
    skip_space();
    if (!literal(out, depth)) return false;
    skip_space();
    if (!at(')')) return false;
    ++pos_;
    return true;
  }

  std::string_view text_;
  size_t pos_;
};

}  // namespace

std::optional<std::pair<PythonCall, size_t>> read_python_call(std::string_view text, size_t pos) {
  Reader reader(text, pos);
  std::optional<PythonCall> call = reader.call();
  if (!call) return std::nullopt;
  return std::pair{std::move(*call), reader.pos()};
}

std::optional<size_t> skip_python_space(std::string_view text, size_t pos, bool complete) {
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == '\r') {
      ++pos;
    } else if (c == '#') {
      pos = text.find('\n', pos);
      if (pos == std::string_view::npos) return complete ? std::optional(text.size()) : std::nullopt;
    } else if (c == '\\' && pos + 1 == text.size() && !complete) {
      return std::nullopt;
    } else if (c == '\\' && pos + 1 < text.size() && text[pos + 1] == '\n') {
      pos += 2;
    } else {
      break;
    }
  }
  return pos;
}

}  // namespace gatehouse::serve::tool_parsers
