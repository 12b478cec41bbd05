// UTF-8 primitives shared by every module that handles text. Decoding never reads past the end
// and reports invalid sequences instead of guessing; hot paths use the inline functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;

// Length in bytes of the sequence a lead byte starts (1 for ASCII and for invalid leads).
inline int sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF8) return 4;
  return 1;
}

// Decodes the code point at text[pos]; sets `length` to the bytes consumed. An invalid or truncated
// sequence (including overlongs, surrogates and values past U+10FFFF) yields kReplacement with
// `length` = the maximal invalid subpart (at least 1), the same rule as WHATWG and Python.
char32_t decode(std::string_view text, size_t pos, int& length);

// Appends the UTF-8 encoding of `cp` (which must be a valid scalar value).
void append(std::string& out, char32_t cp);
std::string encode(char32_t cp);

// True when `text` is entirely well-formed UTF-8.
bool is_valid(std::string_view text);

// Byte offset of the first invalid sequence, or text.size() when the text is valid.
size_t first_invalid(std::string_view text);

// Replaces every maximal invalid subpart with U+FFFD (Python's errors="replace").
std::string sanitize(std::string_view text);

// Length of the longest prefix of `text` that does not end inside an incomplete (but so far valid)
// sequence: what a streaming decoder may emit now.
size_t complete_prefix_length(std::string_view text);

// Number of code points (invalid bytes count as one each).
size_t count_code_points(std::string_view text);

}  // namespace gatehouse::utf8
