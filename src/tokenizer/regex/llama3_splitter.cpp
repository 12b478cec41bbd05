// The Llama-3 pattern family (also Qwen2/Qwen3 with single digits, and Qwen3.5 with marks inside
// words):
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//   \s*[\r\n]+|\s+(?!\S)|\s+
// Every char starts some alternative, so the matches tile the text.
#include "tokenizer/regex/scanner.h"
#include "tokenizer/regex/splitters.h"

namespace gatehouse::tokenizer::regex {
namespace {

// kMaxDigits: the n of \p{N}{1,n}. kMarksInWords: words are [\p{L}\p{M}]+ and marks leave the
// punctuation class (Qwen3.5).
template <int kMaxDigits, bool kMarksInWords>
size_t match_at(const Scanner& s, size_t pos) {
  constexpr uint16_t kWord = kLetter | (kMarksInWords ? kMark : 0);
  constexpr uint16_t kNotPunct = kSpace | kNumber | kWord;
  const CharInfo c = s.at(pos);
  const size_t next = pos + size_t(c.length);
  if (c.code_point == '\'') {
    size_t end = s.contraction<true>(pos);
    if (end != pos) return end;
  }
  if (c.bits & kWord) return s.run(pos, kWord);
  // [^\r\n\p{L}\p{N}] then a word.
  if (!(c.bits & (kNumber | kLineBreak)) && (s.bits_at(next) & kWord)) return s.run(next, kWord);
  if (c.bits & kNumber) return s.run_at_most(pos, kNumber, kMaxDigits);
  // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
  size_t start = pos;
  if (c.code_point == ' ' && next < s.size() && !(s.bits_at(next) & kNotPunct)) start = next;
  if (start != pos || !(c.bits & kNotPunct)) return s.run(s.run_without(start, kNotPunct), kLineBreak);
  return s.whitespace<true>(pos);
}

template <int kMaxDigits, bool kMarksInWords>
void split(std::string_view text, Matches& out) {
  append_matches(text, out, match_at<kMaxDigits, kMarksInWords>);
}

}  // namespace

void split_llama3(std::string_view text, Matches& out) { split<3, false>(text, out); }
void split_qwen2(std::string_view text, Matches& out) { split<1, false>(text, out); }
void split_qwen35(std::string_view text, Matches& out) { split<1, true>(text, out); }

}  // namespace gatehouse::tokenizer::regex
