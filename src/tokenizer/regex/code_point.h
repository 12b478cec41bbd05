// Code point decoding and the Unicode classes that pre-tokenizer regexes test (\p{L}, \p{N}, \s,
// ...), with Oniguruma's definitions, for the hand-written splitters. ASCII is answered from a
// table; other code points from utf8proc's general categories (Unicode 15 in utf8proc 2.8).
// Input must be valid UTF-8 (the tokenizer validates it first). Stateless and thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gatehouse::tokenizer::regex {

// Class bits of one code point. Letters are split the way o200k's pattern needs them.
enum : uint16_t {
  kUpper = 1 << 0,        // Lu, Lt
  kLower = 1 << 1,        // Ll
  kOtherLetter = 1 << 2,  // Lm, Lo
  kMark = 1 << 3,         // Mn, Mc, Me
  kNumber = 1 << 4,       // Nd, Nl, No
  kSpace = 1 << 5,        // Oniguruma \s: White_Space (U+0009-000D, U+0085, Z*)
  kPunct = 1 << 6,        // P*
  kSymbol = 1 << 7,       // S*
  kLineBreak = 1 << 8,    // \r or \n
  kAsciiLetter = 1 << 9,  // [A-Za-z]
  kAsciiPunct = 1 << 10,  // the 32 ASCII punctuation characters
};
inline constexpr uint16_t kLetter = kUpper | kLower | kOtherLetter;

// Decodes the code point at `p` (valid UTF-8) and sets `length` to its byte count.
inline char32_t decode(const char* p, int& length) {
  const auto b0 = static_cast<unsigned char>(p[0]);
  if (b0 < 0x80) {
    length = 1;
    return b0;
  }
  const auto b1 = static_cast<unsigned char>(p[1]) & 0x3Fu;
  if (b0 < 0xE0) {
    length = 2;
    return ((b0 & 0x1Fu) << 6) | b1;
  }
  const auto b2 = static_cast<unsigned char>(p[2]) & 0x3Fu;
  if (b0 < 0xF0) {
    length = 3;
    return ((b0 & 0x0Fu) << 12) | (b1 << 6) | b2;
  }
  const auto b3 = static_cast<unsigned char>(p[3]) & 0x3Fu;
  length = 4;
  return ((b0 & 0x07u) << 18) | (b1 << 12) | (b2 << 6) | b3;
}

uint16_t classify_non_ascii(char32_t c);

namespace detail {
constexpr std::array<uint16_t, 128> make_ascii_classes() {
  std::array<uint16_t, 128> table{};
  for (int c = 0; c < 128; ++c) {
    uint16_t bits = 0;
    if (c >= 'A' && c <= 'Z') bits = kUpper | kAsciiLetter;
    if (c >= 'a' && c <= 'z') bits = kLower | kAsciiLetter;
    if (c >= '0' && c <= '9') bits = kNumber;
    if ((c >= 0x09 && c <= 0x0D) || c == ' ') bits = kSpace;
    if (c == '\r' || c == '\n') bits |= kLineBreak;
    if (c > 0x20 && c < 0x7F && !(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z')) {
      bool symbol = c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' || c == '`' ||
                    c == '|' || c == '~';
      bits = uint16_t((symbol ? kSymbol : kPunct) | kAsciiPunct);
    }
    table[size_t(c)] = bits;
  }
  return table;
}
inline constexpr std::array<uint16_t, 128> kAsciiClasses = make_ascii_classes();
}  // namespace detail

inline uint16_t classify(char32_t c) {
  return c < 0x80 ? detail::kAsciiClasses[c] : classify_non_ascii(c);
}

// The class bits and byte length of the code point at text[pos]; pos < text.size().
struct CharInfo {
  uint16_t bits;
  int length;
  char32_t code_point;
};
inline CharInfo char_at(std::string_view text, size_t pos) {
  CharInfo info;
  info.code_point = decode(text.data() + pos, info.length);
  info.bits = classify(info.code_point);
  return info;
}

}  // namespace gatehouse::tokenizer::regex
