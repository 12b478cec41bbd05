// The Python that vLLM's pythonic parser takes for one tool call, read without Python:
// `name(key=literal, ...)`. vLLM parses with ast and keeps only ast.Constant values and lists and
// dicts of them, so a literal here is a string (any quotes, r or u prefix, adjacent strings
// joined), an int (any base) or float, True, False, None, a list, or a dict whose keys are such
// constants. Everything else fails the call as it fails vLLM's: negative numbers (a unary minus is
// not a constant), tuples, names, nested calls, bytes, f-strings, positional arguments, a repeated
// keyword. Names start with an ASCII letter, and the '(' follows the name, the first keyword (or
// ')') the '(', and the first '=' its keyword at once, as vLLM's TOOL_CALL_REGEX demands.
// Stateless.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "serve/tool_parsers/py_value.h"

namespace gatehouse::serve::tool_parsers {

struct PythonCall {
  std::string name;
  PyValue arguments;  // an object: the keyword arguments, in order
};

// Reads the call whose name starts at text[pos]; returns it and the position after its ')'.
std::optional<std::pair<PythonCall, size_t>> read_python_call(std::string_view text, size_t pos);

// The position after the whitespace, newlines, comments and line continuations (what Python skips
// between the tokens of a bracketed expression) that start at text[pos]. When more text may follow
// (`complete` false), nullopt if the text ends inside a comment or right after a backslash.
std::optional<size_t> skip_python_space(std::string_view text, size_t pos, bool complete = true);

// What may start a call's name (an ASCII letter) and continue it (also digits, '_' and the bytes
// of non-ASCII characters, which Python's and the regex's \w mostly accept).
inline bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace gatehouse::serve::tool_parsers
