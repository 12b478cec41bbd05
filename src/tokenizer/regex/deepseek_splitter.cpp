// DeepSeek-V3's three Split patterns, applied in sequence:
//   \p{N}{1,3}
//   [一-龥぀-ゟ゠-ヿ]+
//   [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+|
//   ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// Unlike the other families these leave gaps (text no alternative starts on).
#include "tokenizer/regex/scanner.h"
#include "tokenizer/regex/splitters.h"

namespace gatehouse::tokenizer::regex {
namespace {

size_t digits_at(const Scanner& s, size_t pos) { return s.run_at_most(pos, kNumber, 3); }

bool is_kana_or_han(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x3040 && c <= 0x30FF);
}

size_t cjk_at(const Scanner& s, size_t pos) {
  while (pos < s.size()) {
    CharInfo c = s.at(pos);
    if (!is_kana_or_han(c.code_point)) break;
    pos += size_t(c.length);
  }
  return pos;
}

size_t word_at(const Scanner& s, size_t pos) {
  constexpr uint16_t kWord = kLetter | kMark;
  constexpr uint16_t kPunctSymbol = kPunct | kSymbol;
  const CharInfo c = s.at(pos);
  const size_t next = pos + size_t(c.length);
  if ((c.bits & kAsciiPunct) && (s.bits_at(next) & kAsciiLetter)) return s.run(next, kAsciiLetter);
  // [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+
  if (!(c.bits & (kLineBreak | kLetter | kPunctSymbol)) && (s.bits_at(next) & kWord)) return s.run(next, kWord);
  if (c.bits & kWord) return s.run(pos, kWord);
  // ` ?[\p{P}\p{S}]+[\r\n]*`
  size_t start = pos;
  if (c.code_point == ' ' && (s.bits_at(next) & kPunctSymbol)) start = next;
  if (start != pos || (c.bits & kPunctSymbol)) return s.run(s.run(start, kPunctSymbol), kLineBreak);
  if (c.bits & kSpace) return s.whitespace<true>(pos);
  return pos;
}

}  // namespace

void split_digits_1_3(std::string_view text, Matches& out) { append_matches(text, out, digits_at); }
void split_deepseek_cjk(std::string_view text, Matches& out) { append_matches(text, out, cjk_at); }
void split_deepseek_words(std::string_view text, Matches& out) { append_matches(text, out, word_at); }

}  // namespace gatehouse::tokenizer::regex
