// The values a tool call's arguments hold, as Python sees them in vLLM's parsers (json.loads, or
// the literals of a pythonic call), and json.dumps(value, ensure_ascii=False), which writes them
// back as the "arguments" text: ", " and ": " separators, keys in their first-seen order, non-ASCII
// kept as is. Plain data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gatehouse::serve::tool_parsers {

struct PyValue {
  enum class Kind { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  // number: the text json.dumps writes for it ("3", "2.5", "1e+16", "Infinity");
  // string: its UTF-8 text, where a lone surrogate (a Python str may hold one) is the 3 bytes
  // of its WTF-8 form.
  std::string text;
  std::vector<PyValue> items;                            // array
  struct Member;
  std::vector<Member> members;  // object

  static PyValue of(Kind kind, std::string text = {});
  static PyValue of(bool boolean);
};

struct PyValue::Member {
  std::string key;  // as json.dumps writes it
  PyValue value;
};

// Builds an object as a Python dict fills: a key seen again keeps its first place and takes the
// new value. `identity` tells keys apart (a dict's 1 and "1" are two keys that json.dumps writes
// alike); it is the key itself for JSON objects.
class ObjectBuilder {
 public:
  void set(std::string identity, std::string key, PyValue value);
  PyValue take() { return std::move(object_); }

 private:
  PyValue object_ = PyValue::of(PyValue::Kind::object);
  std::unordered_map<std::string, size_t> index_;
};

// json.dumps(value, ensure_ascii=False).
std::string dumps(const PyValue& value);

// How json.dumps writes a float: repr's shortest round-trip digits ("0.1", "1e+16", "1.0"), and
// "Infinity", "-Infinity", "NaN".
std::string float_text(double value);
// float(text) written as json.dumps does, for decimal float text already checked ("1.50", "2e400").
std::string float_text(std::string_view decimal);
// int(digits) written as json.dumps does ("007" is "7", "-0" is "0"); nullopt past Python's
// 4300-digit limit on converting integers to and from text.
std::optional<std::string> int_text(std::string_view digits, bool negative);

// Appends a code point as UTF-8; a surrogate (from a \ud800-style escape) as its WTF-8 bytes.
void append_code_point(std::string& out, char32_t code_point);

}  // namespace gatehouse::serve::tool_parsers
