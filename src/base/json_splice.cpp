// json::replace_member: a scan over text already known to be valid JSON, so it checks nothing
// beyond what it needs to find the member's bounds.
#include <cstring>

#include "base/json.h"

namespace gatehouse::json {
namespace {

size_t skip_space(std::string_view text, size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) ++at;
  return at;
}

// `at` is on a string's opening quote: the index after its closing one.
size_t skip_string(std::string_view text, size_t at) {
  for (++at; at < text.size(); ++at) {
    if (text[at] == '\\') {
      ++at;
    } else if (text[at] == '"') {
      return at + 1;
    }
  }
  return at;
}

// `at` is on a value's first byte: the index after its last one.
size_t skip_value(std::string_view text, size_t at) {
  if (at >= text.size()) return at;
  if (text[at] == '"') return skip_string(text, at);
  if (text[at] == '{' || text[at] == '[') {
    size_t depth = 0;
    while (at < text.size()) {
      const char c = text[at];
      if (c == '"') {
        at = skip_string(text, at);
        continue;
      }
      ++at;
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) break;
    }
    return at;
  }
  while (at < text.size() && !std::strchr(",}] \t\n\r", text[at])) ++at;  // a number, true, false, null
  return at;
}

}  // namespace

std::optional<std::string> replace_member(std::string_view object_text, std::string_view key, std::string_view value_text) {
  size_t at = skip_space(object_text, 0);
  if (at >= object_text.size() || object_text[at] != '{') return std::nullopt;
  size_t value_begin = 0, value_end = 0;
  bool found = false;
  at = skip_space(object_text, at + 1);
  while (at < object_text.size() && object_text[at] == '"') {
    const size_t name_end = skip_string(object_text, at);
    const std::string_view name = object_text.substr(at + 1, name_end - at - 2);
    at = skip_space(object_text, name_end);
    if (at >= object_text.size() || object_text[at] != ':') return std::nullopt;
    at = skip_space(object_text, at + 1);
    const size_t end = skip_value(object_text, at);
    if (name.find('\\') != std::string_view::npos) return std::nullopt;  // it might spell `key`
    if (name == key) {
      if (found) return std::nullopt;  // which one counts is the parser's business
      found = true;
      value_begin = at;
      value_end = end;
    }
    at = skip_space(object_text, end);
    if (at < object_text.size() && object_text[at] == ',') at = skip_space(object_text, at + 1);
  }
  if (!found) return std::nullopt;
  std::string out;
  out.reserve(object_text.size() - (value_end - value_begin) + value_text.size());
  out.append(object_text.substr(0, value_begin)).append(value_text).append(object_text.substr(value_end));
  return out;
}

}  // namespace gatehouse::json
