#include "serve/tool_parsers/py_value.h"

#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "base/json.h"

namespace gatehouse::serve::tool_parsers {

namespace {

constexpr size_t kMaxIntDigits = 4300;  // sys.int_info.default_max_str_digits

void write_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    switch (byte) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else if (byte == 0xED && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0xA0) {
      // A lone surrogate cannot be UTF-8 text: its escape reads back as the same string.
      const char32_t surrogate = 0xD000 | ((text[i + 1] & 0x3F) << 6) | (text[i + 2] & 0x3F);
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(surrogate >> shift) & 15];
      i += 2;
    } else {
      out += static_cast<char>(byte);
    }
  }
  out += '"';
}

void write(std::string& out, const PyValue& value) {
  switch (value.kind) {
    case PyValue::Kind::null: out += "null"; return;
    case PyValue::Kind::boolean: out += value.boolean ? "true" : "false"; return;
    case PyValue::Kind::number: out += value.text; return;
    case PyValue::Kind::string: write_string(out, value.text); return;
    case PyValue::Kind::array:
      out += '[';
      for (size_t i = 0; i < value.items.size(); ++i) {
        if (i > 0) out += ", ";
        write(out, value.items[i]);
      }
      out += ']';
      return;
    case PyValue::Kind::object:
      out += '{';
      for (size_t i = 0; i < value.members.size(); ++i) {
        if (i > 0) out += ", ";
        write_string(out, value.members[i].key);
        out += ": ";
        write(out, value.members[i].value);
      }
      out += '}';
      return;
  }
}

}  // namespace

PyValue PyValue::of(Kind kind, std::string text) {
  PyValue value;
  value.kind = kind;
  value.text = std::move(text);
  return value;
}

PyValue PyValue::of(bool boolean) {
  PyValue value = of(Kind::boolean);
  value.boolean = boolean;
  return value;
}

void ObjectBuilder::set(std::string identity, std::string key, PyValue value) {
  auto [at, inserted] = index_.try_emplace(std::move(identity), object_.members.size());
  if (inserted) {
    object_.members.push_back({std::move(key), std::move(value)});
  } else {
    object_.members[at->second].value = std::move(value);
  }
}

std::string dumps(const PyValue& value) {
  std::string out;
  write(out, value);
  return out;
}

std::string float_text(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return json::serialize(boost::json::value(value));  // Python's repr for finite doubles
}

std::string float_text(std::string_view decimal) {
  double value = 0;
  const auto [end, error] = std::from_chars(decimal.data(), decimal.data() + decimal.size(), value);
  if (error == std::errc::result_out_of_range) {
    // from_chars leaves the value unset: strtod gives Python's answer, an infinity or a zero.
    value = std::strtod(std::string(decimal).c_str(), nullptr);
  }
  return float_text(value);
}

std::optional<std::string> int_text(std::string_view digits, bool negative) {
  const size_t first = std::min(digits.find_first_not_of('0'), digits.size());
  if (digits.size() - first > kMaxIntDigits) return std::nullopt;
  if (first == digits.size()) return "0";
  std::string text(negative ? "-" : "");
  text += digits.substr(first);
  return text;
}

void append_code_point(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

}  // namespace gatehouse::serve::tool_parsers
