// Forward scans over valid UTF-8 shared by the hand-written splitters: runs of a class,
// contractions, and the whitespace alternatives that end most hub patterns. Each function returns
// the byte position where its construct ends, exactly as the regex it replaces would (greedy
// quantifiers with Oniguruma's backtracking worked out). A view; cheap to copy; thread-safe.
#pragma once

#include <string_view>

#include "tokenizer/regex/code_point.h"
#include "tokenizer/regex/splitters.h"

namespace gatehouse::tokenizer::regex {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  size_t size() const { return text_.size(); }
  char text_at(size_t pos) const { return text_[pos]; }
  CharInfo at(size_t pos) const { return char_at(text_, pos); }
  // The class bits of the char at `pos`, or 0 past the end.
  uint16_t bits_at(size_t pos) const { return pos < text_.size() ? at(pos).bits : 0; }

  // End of the run, from `pos`, of chars that have any of `bits` (`pos` when there is none).
  size_t run(size_t pos, uint16_t bits) const {
    while (pos < text_.size()) {
      const auto byte = static_cast<unsigned char>(text_[pos]);
      if (byte < 0x80) {
        if (!(detail::kAsciiClasses[byte] & bits)) break;
        ++pos;
        continue;
      }
      CharInfo c = at(pos);
      if (!(c.bits & bits)) break;
      pos += size_t(c.length);
    }
    return pos;
  }

  // End of the run, from `pos`, of chars that have none of `bits`.
  size_t run_without(size_t pos, uint16_t bits) const {
    while (pos < text_.size()) {
      CharInfo c = at(pos);
      if (c.bits & bits) break;
      pos += size_t(c.length);
    }
    return pos;
  }

  // End of up to `max` chars with `bits` from `pos`.
  size_t run_at_most(size_t pos, uint16_t bits, int max) const {
    for (int count = 0; count < max && pos < text_.size(); ++count) {
      CharInfo c = at(pos);
      if (!(c.bits & bits)) break;
      pos += size_t(c.length);
    }
    return pos;
  }

  // `'s|'t|'re|'ve|'m|'ll|'d` at `pos` (which holds '\''), optionally under Oniguruma's Unicode
  // case folding, where 's' also matches U+017F LATIN SMALL LETTER LONG S. Returns `pos` if none.
  template <bool kIgnoreCase>
  size_t contraction(size_t pos) const {
    auto lower = [&](size_t at) -> char32_t {
      if (at >= text_.size()) return 0;
      int length;
      char32_t c = decode(text_.data() + at, length);
      if (!kIgnoreCase) return c;
      if (c >= 'A' && c <= 'Z') return c + 32;
      return c == 0x17F ? U's' : c;
    };
    size_t next = pos + 1;
    switch (lower(next)) {
      case U's':
        return next + (static_cast<unsigned char>(text_[next]) < 0x80 ? 1 : 2);
      case U't':
      case U'm':
      case U'd':
        return next + 1;
      case U'r':
      case U'v':
        return lower(next + 1) == U'e' ? next + 2 : pos;
      case U'l':
        return lower(next + 1) == U'l' ? next + 2 : pos;
      default:
        return pos;
    }
  }

  // The whitespace alternatives at `pos` (a \s char): `\s*[\r\n]+|\s+(?!\S)|\s+` when
  // kLineBreaks, else `\s+(?!\S)|\s+`. `\s*[\r\n]+` ends after the run's last line break;
  // `\s+(?!\S)` leaves the run's last char to the next match unless the text ends.
  template <bool kLineBreaks>
  size_t whitespace(size_t pos) const {
    size_t end = pos;
    size_t last_char = pos;
    size_t after_break = 0;
    while (end < text_.size()) {
      CharInfo c = at(end);
      if (!(c.bits & kSpace)) break;
      if (kLineBreaks && (c.bits & kLineBreak)) after_break = end + size_t(c.length);
      last_char = end;
      end += size_t(c.length);
    }
    if (after_break) return after_break;
    if (end == text_.size() || last_char == pos) return end;
    return last_char;
  }

 private:
  std::string_view text_;
};

// Runs a splitter's `match_at(scanner, pos)` (the end of the match starting at pos, or pos when no
// alternative matches there) over the whole text, appending the matches; text no alternative
// starts on is skipped one char at a time, as find_iter does.
template <class MatchAt>
void append_matches(std::string_view text, Matches& out, MatchAt match_at) {
  Scanner scanner(text);
  for (size_t pos = 0; pos < text.size();) {
    size_t end = match_at(scanner, pos);
    if (end == pos) {
      pos += size_t(scanner.at(pos).length);
      continue;
    }
    out.emplace_back(pos, end);
    pos = end;
  }
}

}  // namespace gatehouse::tokenizer::regex
