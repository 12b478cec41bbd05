// GPT-2's pattern, the one HF's ByteLevel pre-tokenizer applies when use_regex is set:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// Contractions are case-sensitive here. Every char starts some alternative.
#include "tokenizer/regex/scanner.h"
#include "tokenizer/regex/splitters.h"

namespace gatehouse::tokenizer::regex {
namespace {

constexpr uint16_t kNotPunct = kSpace | kLetter | kNumber;

// End of the ` ?X+` alternative whose class X the char at `pos` starts, or `pos` for whitespace.
size_t run_from(const Scanner& s, size_t pos, uint16_t bits) {
  if (bits & kLetter) return s.run(pos, kLetter);
  if (bits & kNumber) return s.run(pos, kNumber);
  if (bits & kSpace) return pos;
  return s.run_without(pos, kNotPunct);
}

size_t match_at(const Scanner& s, size_t pos) {
  const CharInfo c = s.at(pos);
  if (c.code_point == '\'') {
    size_t end = s.contraction<false>(pos);
    if (end != pos) return end;
  }
  if (c.code_point == ' ' && pos + 1 < s.size()) {
    size_t end = run_from(s, pos + 1, s.bits_at(pos + 1));
    if (end != pos + 1) return end;
  }
  size_t end = run_from(s, pos, c.bits);
  if (end != pos) return end;
  return s.whitespace<false>(pos);
}

}  // namespace

void split_gpt2(std::string_view text, Matches& out) {
  append_matches(text, out, match_at);
}

}  // namespace gatehouse::tokenizer::regex
