// Small pieces of how vLLM's parsers treat the text around calls, shared by the parsers. Stateless.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "serve/tool_parsers/tool_parser.h"

namespace gatehouse::serve::tool_parsers {

// `text` without the whitespace at both ends, as Python's str.strip() sees whitespace (Unicode's,
// U+00A0 and U+3000 included).
std::string_view python_strip(std::string_view text);

// The content of an answer whose calls parsed: the text before them, or null when that is empty
// or only whitespace (vLLM's parsers return it, and its chat layer nulls whitespace).
std::optional<std::string> content_before_calls(std::string_view text);

// The answer as plain text: no calls, the whole text as content.
inline ParsedToolCalls plain_text(std::string_view text) {
  ParsedToolCalls parsed;
  parsed.content = std::string(text);
  return parsed;
}

}  // namespace gatehouse::serve::tool_parsers
