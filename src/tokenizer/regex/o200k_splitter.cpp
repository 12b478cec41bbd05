// GPT-4o's o200k pattern:
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|...|'d)?|
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|...|'d)?|
//   \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
// "Upper" chars are [Lu Lt Lm Lo M] and "lower" ones [Ll Lm Lo M]; Lm, Lo and marks are both,
// which is what makes the backtracking of the first alternative worth spelling out.
#include "tokenizer/regex/scanner.h"
#include "tokenizer/regex/splitters.h"

namespace gatehouse::tokenizer::regex {
namespace {

constexpr uint16_t kUpperish = kUpper | kOtherLetter | kMark;
constexpr uint16_t kLowerish = kLower | kOtherLetter | kMark;
constexpr uint16_t kBoth = kOtherLetter | kMark;
constexpr size_t kFail = size_t(-1);

// `Upper*Lower+` from `pos`. Upper* first takes its longest run; if no lower char follows, it gives
// chars back until the one after it is lower, which can only be one of the run's "both" chars, and
// then Lower+ stops right after that char (the run's later chars are Lu/Lt).
size_t upper_star_lower_plus(const Scanner& s, size_t pos) {
  size_t end = pos;
  size_t after_last_both = kFail;
  while (end < s.size()) {
    CharInfo c = s.at(end);
    if (!(c.bits & kUpperish)) break;
    end += size_t(c.length);
    if (c.bits & kBoth) after_last_both = end;
  }
  if (s.bits_at(end) & kLower) return s.run(end, kLowerish);
  return after_last_both;
}

// `Upper+Lower*` from `pos`.
size_t upper_plus_lower_star(const Scanner& s, size_t pos) {
  size_t end = s.run(pos, kUpperish);
  return end == pos ? kFail : s.run(end, kLowerish);
}

// `[^\r\n\p{L}\p{N}]?Word`: first with the optional char taken, then without it.
template <size_t (*kWord)(const Scanner&, size_t)>
size_t with_prefix(const Scanner& s, size_t pos, const CharInfo& c) {
  if (!(c.bits & (kLetter | kNumber | kLineBreak))) {
    size_t end = kWord(s, pos + size_t(c.length));
    if (end != kFail) return end;
  }
  return kWord(s, pos);
}

size_t match_at(const Scanner& s, size_t pos) {
  const CharInfo c = s.at(pos);
  size_t end = with_prefix<upper_star_lower_plus>(s, pos, c);
  if (end == kFail) end = with_prefix<upper_plus_lower_star>(s, pos, c);
  if (end != kFail) {
    if (end < s.size() && s.text_at(end) == '\'') return s.contraction<true>(end);
    return end;
  }
  if (c.bits & kNumber) return s.run_at_most(pos, kNumber, 3);
  // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
  constexpr uint16_t kNotPunct = kSpace | kLetter | kNumber;
  const size_t next = pos + size_t(c.length);
  size_t start = pos;
  if (c.code_point == ' ' && next < s.size() && !(s.bits_at(next) & kNotPunct)) start = next;
  if (start != pos || !(c.bits & kNotPunct)) {
    end = s.run_without(start, kNotPunct);
    while (end < s.size() && (s.text_at(end) == '\r' || s.text_at(end) == '\n' || s.text_at(end) == '/')) ++end;
    return end;
  }
  return s.whitespace<true>(pos);
}

}  // namespace

void split_o200k(std::string_view text, Matches& out) {
  append_matches(text, out, match_at);
}

}  // namespace gatehouse::tokenizer::regex
