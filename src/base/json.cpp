#include "base/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <boost/json/error.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>

#include "base/error.h"

namespace gatehouse::json {

JsonPath JsonPath::operator/(std::string_view key) const {
  JsonPath child;
  child.text_ = text_;
  if (child.text_.back() != ':') child.text_ += '.';
  else child.text_ += ' ';
  child.text_ += key;
  return child;
}

JsonPath JsonPath::operator[](size_t index) const {
  JsonPath child;
  child.text_ = text_ + "[" + std::to_string(index) + "]";
  return child;
}

namespace {

// What went wrong, in words a user can act on (Boost's own are terse: "too deep", "incomplete JSON").
std::string describe(const boost::system::error_code& error, std::string_view text, size_t consumed) {
  // Boost reports some truncations ("1.", "1e+") as syntax errors at the end of the input.
  if (error == bj::error::incomplete || (error == bj::error::syntax && consumed == text.size())) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return "empty document: expected a JSON value";
    return "unexpected end of JSON (incomplete document)";
  }
  if (error == bj::error::too_deep) {
    return "arrays and objects nested deeper than " + std::to_string(kMaxDepth) + " levels (the limit)";
  }
  if (error == bj::error::extra_data) return "extra data after the JSON value";
  // Boost calls a malformed UTF-8 sequence a syntax error; it stops where the sequence begins.
  if (error == bj::error::syntax && consumed < text.size() && static_cast<unsigned char>(text[consumed]) >= 0x80) {
    return "invalid UTF-8 (JSON text must be UTF-8)";
  }
  return error.message();
}

}  // namespace

bj::value parse(std::string_view text, std::string_view document, bj::storage_ptr storage) {
  bj::parse_options options;
  options.allow_invalid_utf8 = false;
  options.max_depth = kMaxDepth;
  // One pass whose count of consumed bytes is where the parse stopped; an incomplete document is
  // reported by this same call (a complete-text write), so the error is always set when it fails.
  unsigned char buffer[BOOST_JSON_STACK_BUFFER_SIZE];
  bj::parser parser({}, options, buffer);
  parser.reset(std::move(storage));
  boost::system::error_code error;
  const size_t consumed = std::min(parser.write(text.data(), text.size(), error), text.size());
  if (error) {
    const size_t line = 1 + size_t(std::count(text.begin(), text.begin() + std::ptrdiff_t(consumed), '\n'));
    throw Error(ErrorCode::invalid_argument, std::string(document) + ": invalid JSON near line " + std::to_string(line) +
                                                 " (byte " + std::to_string(consumed) + "): " + describe(error, text, consumed));
  }
  return parser.release();
}

std::optional<bj::value> try_parse(std::string_view text) {
  try {
    return parse(text, "");
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::string_view kind_name(const bj::value& value) {
  switch (value.kind()) {
    case bj::kind::null: return "null";
    case bj::kind::bool_: return "a boolean";
    case bj::kind::int64:
    case bj::kind::uint64: return "an integer";
    case bj::kind::double_: return "a number";
    case bj::kind::string: return "a string";
    case bj::kind::array: return "an array";
    case bj::kind::object: return "an object";
  }
  return "unknown";
}

namespace {
[[noreturn]] void wrong_kind(const bj::value& value, const JsonPath& path, std::string_view want) {
  throw Error(ErrorCode::invalid_argument, path.str() + " expected " + std::string(want) + ", got " +
                                               std::string(kind_name(value)));
}
}  // namespace

const bj::object& as_object(const bj::value& value, const JsonPath& path) {
  if (!value.is_object()) wrong_kind(value, path, "an object");
  return value.get_object();
}

const bj::array& as_array(const bj::value& value, const JsonPath& path) {
  if (!value.is_array()) wrong_kind(value, path, "an array");
  return value.get_array();
}

std::string_view as_string(const bj::value& value, const JsonPath& path) {
  if (!value.is_string()) wrong_kind(value, path, "a string");
  return value.get_string();
}

bool as_bool(const bj::value& value, const JsonPath& path) {
  if (!value.is_bool()) wrong_kind(value, path, "a boolean");
  return value.get_bool();
}

int64_t as_int(const bj::value& value, const JsonPath& path) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64() && value.get_uint64() <= uint64_t(INT64_MAX)) return int64_t(value.get_uint64());
  if (value.is_double()) {
    double number = value.get_double();
    // The range check comes first: converting an out-of-range double is undefined behaviour.
    if (number >= -0x1p63 && number < 0x1p63 && number == std::trunc(number)) return int64_t(number);
  }
  wrong_kind(value, path, "an integer");
}

std::vector<int64_t> as_int_list(const bj::value& value, const JsonPath& path) {
  if (!value.is_array()) return {as_int(value, path)};
  std::vector<int64_t> values;
  for (size_t i = 0; i < value.get_array().size(); ++i) values.push_back(as_int(value.get_array()[i], path[i]));
  return values;
}

double as_double(const bj::value& value, const JsonPath& path) {
  if (value.is_double()) return value.get_double();
  if (value.is_int64()) return double(value.get_int64());
  if (value.is_uint64()) return double(value.get_uint64());
  wrong_kind(value, path, "a number");
}

const bj::value& require(const bj::object& object, std::string_view key, const JsonPath& path) {
  auto it = object.find(key);
  if (it == object.end()) {
    throw Error(ErrorCode::invalid_argument, (path / key).str() + " is missing");
  }
  return it->value();
}

const bj::value* find(const bj::object& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

std::string get_string(const bj::object& object, std::string_view key, const JsonPath& path,
                       std::string_view fallback) {
  const bj::value* value = find(object, key);
  return value ? std::string(as_string(*value, path / key)) : std::string(fallback);
}

std::optional<std::string> get_optional_string(const bj::object& object, std::string_view key,
                                               const JsonPath& path) {
  const bj::value* value = find(object, key);
  if (!value) return std::nullopt;
  return std::string(as_string(*value, path / key));
}

bool get_bool(const bj::object& object, std::string_view key, const JsonPath& path, bool fallback) {
  const bj::value* value = find(object, key);
  return value ? as_bool(*value, path / key) : fallback;
}

int64_t get_int(const bj::object& object, std::string_view key, const JsonPath& path,
                int64_t fallback) {
  const bj::value* value = find(object, key);
  return value ? as_int(*value, path / key) : fallback;
}

std::optional<int64_t> get_optional_int(const bj::object& object, std::string_view key,
                                        const JsonPath& path) {
  const bj::value* value = find(object, key);
  if (!value) return std::nullopt;
  return as_int(*value, path / key);
}

namespace {

void write_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  // Python's repr: the shortest digits that read back the same, written out in full for
  // exponents from -4 to 15 (500000.0, 0.0001) and in scientific notation beyond (1e+16, 1e-05).
  char text[32];
  const auto scientific = std::to_chars(text, text + sizeof text, value, std::chars_format::scientific);
  const char* exponent_text = std::find(text, scientific.ptr, 'e') + 1;
  if (*exponent_text == '+') ++exponent_text;  // from_chars takes a '-' only
  int exponent = 0;
  std::from_chars(exponent_text, scientific.ptr, exponent);
  const size_t start = out.size();
  if (exponent >= -4 && exponent < 16) {
    const auto fixed = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed);
    out.append(text, fixed.ptr);
    if (out.find('.', start) == std::string::npos) out += ".0";
  } else {
    out.append(text, scientific.ptr);
  }
}

void write(std::string& out, const bj::value& value);

void write_object(std::string& out, const bj::object& object) {
  out += '{';
  bool first = true;
  for (const auto& entry : object) {
    if (!first) out += ',';
    first = false;
    out += bj::serialize(bj::string(entry.key()));
    out += ':';
    write(out, entry.value());
  }
  out += '}';
}

void write(std::string& out, const bj::value& value) {
  switch (value.kind()) {
    case bj::kind::null: out += "null"; return;
    case bj::kind::bool_: out += value.get_bool() ? "true" : "false"; return;
    case bj::kind::int64: out += std::to_string(value.get_int64()); return;
    case bj::kind::uint64: out += std::to_string(value.get_uint64()); return;
    case bj::kind::double_: write_double(out, value.get_double()); return;
    case bj::kind::string: out += bj::serialize(value.get_string()); return;
    case bj::kind::array: {
      out += '[';
      bool first = true;
      for (const bj::value& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        write(out, item);
      }
      out += ']';
      return;
    }
    case bj::kind::object: write_object(out, value.get_object()); return;
  }
}

}  // namespace

std::string serialize(const bj::value& value) {
  std::string out;
  write(out, value);
  return out;
}

std::string serialize(const bj::object& object) {
  std::string out;
  write_object(out, object);
  return out;
}

}  // namespace gatehouse::json
