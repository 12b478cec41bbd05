// Follows one JSON object as its text arrives in pieces: checks the syntax as Python's json module
// would (the grammar of py_json.h), finds where the object ends, and records where each of its own
// members' keys and values lie, so that a streaming parser can tell a call's name and the text of
// its arguments before the object is complete. Leading JSON whitespace is skipped. One per object;
// not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace gatehouse::serve::tool_parsers {

class JsonObjectScanner {
 public:
  enum class State { reading, complete, invalid };
  static constexpr size_t npos = std::string_view::npos;

  // Offsets count from the first byte ever fed; `value_end` is npos while the value is open.
  struct Member {
    size_t key_begin = 0, key_end = npos;      // the key's quotes included
    size_t value_begin = npos, value_end = npos;
  };

  // Reads `text`, which continues what was fed before, up to the object's closing brace or
  // before the first byte that breaks the syntax; returns the bytes read.
  size_t feed(std::string_view text);

  State state() const { return state_; }
  const std::vector<Member>& members() const { return members_; }

 private:
  enum class Expect : uint8_t {
    object,          // whitespace, then '{'
    key_or_close,    // after '{'
    key,             // after ',' in an object
    colon,
    value,           // after ':', or ',' in an array
    value_or_close,  // after '['
    comma_or_close,  // after a value in a container
    string,
    number,
    word,            // true, false, null, NaN, Infinity, -Infinity
  };
  // Where a number is: after '-', after a leading 0, in the integer digits, after '.', in the
  // fraction, after 'e', after the exponent's sign, in the exponent.
  enum class Number : uint8_t { minus, zero, integer, dot, fraction, e, e_sign, exponent };

  void step(char c);
  void start_value(char c);
  void value_done(size_t end);
  void open(char bracket, Expect next);
  void close(char bracket);
  bool number_step(char c);

  State state_ = State::reading;
  Expect expect_ = Expect::object;
  std::vector<char> stack_;  // open brackets
  size_t offset_ = 0;        // of the byte being read
  std::vector<Member> members_;
  // Inside a string
  bool in_key_ = false;
  bool escaped_ = false;
  int hex_left_ = 0;
  // Inside a number or a word
  Number number_ = Number::minus;
  std::string_view word_;
  size_t word_matched_ = 0;
};

}  // namespace gatehouse::serve::tool_parsers
