#include "serve/tool_parsers/py_json.h"

#include "base/json.h"

namespace gatehouse::serve::tool_parsers {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A recursive-descent reader following CPython's C scanner (Modules/_json.c).
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool value(PyValue& out, size_t depth) {
    if (pos_ >= text_.size()) return false;
    switch (text_[pos_]) {
      case '{': return object(out, depth + 1);
      case '[': return array(out, depth + 1);
      case '"': out.kind = PyValue::Kind::string; return string(out.text);
      case 'n': return literal("null", PyValue{}, out);
      case 't': return literal("true", PyValue::of(true), out);
      case 'f': return literal("false", PyValue::of(false), out);
      case 'N': return literal("NaN", PyValue::of(PyValue::Kind::number, "NaN"), out);
      case 'I': return literal("Infinity", PyValue::of(PyValue::Kind::number, "Infinity"), out);
      case '-':
        if (text_.substr(pos_, 9) == "-Infinity") return literal("-Infinity", PyValue::of(PyValue::Kind::number, "-Infinity"), out);
        return number(out);
      default: return number(out);
    }
  }

  void skip_space() {
    while (pos_ < text_.size() && is_json_space(text_[pos_])) ++pos_;
  }

  size_t pos() const { return pos_; }

 private:
  bool literal(std::string_view word, PyValue value, PyValue& out) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    out = std::move(value);
    return true;
  }

  bool object(PyValue& out, size_t depth) {
    if (depth > json::kMaxDepth) return false;
    ++pos_;  // '{'
    ObjectBuilder builder;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      out = builder.take();
      return true;
    }
    while (true) {
      std::string key;
      if (pos_ >= text_.size() || text_[pos_] != '"' || !string(key)) return false;
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != ':') return false;
      ++pos_;
      skip_space();
      PyValue member;
      if (!value(member, depth)) return false;
      builder.set(key, key, std::move(member));
      skip_space();
      if (pos_ >= text_.size()) return false;
      if (text_[pos_] == '}') break;
      if (text_[pos_] != ',') return false;
      ++pos_;
      skip_space();
    }
    ++pos_;
    out = builder.take();
    return true;
  }

  bool array(PyValue& out, size_t depth) {
    if (depth > json::kMaxDepth) return false;
    ++pos_;  // '['
    out = PyValue::of(PyValue::Kind::array);
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      PyValue item;
      if (!value(item, depth)) return false;
      out.items.push_back(std::move(item));
      skip_space();
      if (pos_ >= text_.size()) return false;
      if (text_[pos_] == ']') break;
      if (text_[pos_] != ',') return false;
      ++pos_;
      skip_space();
    }
    ++pos_;
    return true;
  }

  // Four hex digits after "\u" at text_[at]; -1 when they are not there.
  long hex4(size_t at) const {
    if (at + 4 > text_.size()) return -1;
    long value = 0;
    for (size_t i = at; i < at + 4; ++i) {
      const int digit = hex_digit(text_[i]);
      if (digit < 0) return -1;
      value = value * 16 + digit;
    }
    return value;
  }

  bool string(std::string& out) {
    ++pos_;  // '"'
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) return false;
      const char escape = text_[pos_++];
      switch (escape) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          long unit = hex4(pos_);
          if (unit < 0) return false;
          pos_ += 4;
          if (unit >= 0xD800 && unit <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
            const long low = hex4(pos_ + 2);
            if (low >= 0xDC00 && low <= 0xDFFF) {
              unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
              pos_ += 6;
            }
          }
          append_code_point(out, static_cast<char32_t>(unit));
          break;
        }
        default: return false;
      }
    }
    return false;
  }

  bool number(PyValue& out) {
    const size_t start = pos_;
    const bool negative = text_[pos_] == '-';
    if (negative) ++pos_;
    const size_t digits_start = pos_;
    if (pos_ >= text_.size() || !is_digit(text_[pos_])) return false;
    if (text_[pos_++] != '0') {
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    const size_t digits_end = pos_;
    bool is_float = false;
    if (pos_ + 1 < text_.size() && text_[pos_] == '.' && is_digit(text_[pos_ + 1])) {
      is_float = true;
      pos_ += 2;
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    if (pos_ + 1 < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      size_t at = pos_ + 1;
      if (text_[at] == '+' || text_[at] == '-') ++at;
      if (at < text_.size() && is_digit(text_[at])) {
        is_float = true;
        while (at < text_.size() && is_digit(text_[at])) ++at;
        pos_ = at;
      }
    }
    if (is_float) {
      out = PyValue::of(PyValue::Kind::number, float_text(text_.substr(start, pos_ - start)));
      return true;
    }
    std::optional<std::string> integer = int_text(text_.substr(digits_start, digits_end - digits_start), negative);
    if (!integer) return false;
    out = PyValue::of(PyValue::Kind::number, std::move(*integer));
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<JsonPrefix> json_raw_decode(std::string_view text) {
  Reader reader(text);
  JsonPrefix prefix;
  if (!reader.value(prefix.value, 0)) return std::nullopt;
  prefix.end = reader.pos();
  return prefix;
}

std::optional<PyValue> json_loads(std::string_view text) {
  size_t start = 0;
  while (start < text.size() && is_json_space(text[start])) ++start;
  std::optional<JsonPrefix> prefix = json_raw_decode(text.substr(start));
  if (!prefix) return std::nullopt;
  for (size_t i = start + prefix->end; i < text.size(); ++i) {
    if (!is_json_space(text[i])) return std::nullopt;
  }
  return std::move(prefix->value);
}

}  // namespace gatehouse::serve::tool_parsers
