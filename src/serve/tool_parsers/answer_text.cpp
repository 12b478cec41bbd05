#include "serve/tool_parsers/answer_text.h"

#include "base/utf8.h"

namespace gatehouse::serve::tool_parsers {

namespace {

bool is_python_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

}  // namespace

std::string_view python_strip(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    int length = 0;
    if (!is_python_space(utf8::decode(text, begin, length))) break;
    begin += length;
  }
  size_t end = text.size();
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    int length = 0;
    if (!is_python_space(utf8::decode(text, start, length)) || start + length != end) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

std::optional<std::string> content_before_calls(std::string_view text) {
  if (python_strip(text).empty()) return std::nullopt;
  return std::string(text);
}

}  // namespace gatehouse::serve::tool_parsers
