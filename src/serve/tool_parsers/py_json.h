// JSON read as Python's json module reads it for vLLM's parsers: NaN, Infinity and -Infinity
// accepted; control characters inside strings refused; integers exact, other numbers floats; a
// repeated key keeping its first place and its last value; nesting deeper than json::kMaxDepth
// refused (Python gives up near 1000). Stateless.
#pragma once

#include <optional>
#include <string_view>

#include "serve/tool_parsers/py_value.h"

namespace gatehouse::serve::tool_parsers {

struct JsonPrefix {
  PyValue value;
  size_t end = 0;  // bytes of text the value took
};

// json.JSONDecoder().raw_decode(text): the value that starts at text[0] (whitespace first is an
// error) and where it ends; nullopt when no value starts there.
std::optional<JsonPrefix> json_raw_decode(std::string_view text);

// json.loads(text): exactly one value, with JSON whitespace around it allowed.
std::optional<PyValue> json_loads(std::string_view text);

// Space, tab, newline and carriage return: JSON's whitespace.
inline bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace gatehouse::serve::tool_parsers
