#include "grammar/regex.h"

#include <algorithm>
#include <map>
#include <optional>
#include <variant>

#include "base/error.h"
#include "base/utf8.h"

namespace gatehouse::grammar {
namespace {

constexpr int64_t kMaxRepetition = 10000;
constexpr int64_t kMaxElements = 200000;
constexpr int kMaxNesting = 100;
constexpr size_t kNone = std::string_view::npos;
constexpr char32_t kMaxCodepoint = 0x10FFFF;

using Ranges = std::vector<std::pair<char32_t, char32_t>>;

Ranges normalized(Ranges ranges) {
  std::sort(ranges.begin(), ranges.end());
  Ranges merged;
  for (auto [lo, hi] : ranges) {
    if (!merged.empty() && lo <= merged.back().second + 1) {
      merged.back().second = std::max(merged.back().second, hi);
    } else {
      merged.emplace_back(lo, hi);
    }
  }
  return merged;
}

Ranges complement(const Ranges& ranges) {
  Ranges out;
  char32_t next = 0;
  for (auto [lo, hi] : normalized(ranges)) {
    if (lo > next) out.emplace_back(next, lo - 1);
    next = hi + 1;
  }
  if (next <= kMaxCodepoint) out.emplace_back(next, kMaxCodepoint);
  return out;
}

bool is_surrogate(char32_t cp) { return cp >= 0xD800 && cp <= 0xDFFF; }

// Whether any encodable code point (not a surrogate) is in the normalized ranges.
bool has_encodable(const Ranges& ranges) {
  return std::any_of(ranges.begin(), ranges.end(), [](auto range) { return range.first < 0xD800 || range.second > 0xDFFF; });
}

// The ECMAScript meanings: \d and \w are ASCII, \s is WhiteSpace plus LineTerminator.
const Ranges kDigit = {{'0', '9'}};
const Ranges kWord = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
const Ranges kSpace = {{'\t', '\r'}, {' ', ' '},       {0xA0, 0xA0},     {0x1680, 0x1680}, {0x2000, 0x200A},
                       {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

struct Repetition {
  int64_t min = 0;
  int64_t max = -1;  // -1: unbounded
};

// A parsed piece of the pattern: its elements in order, and where anchors inside it are, so that
// ^ and $ are accepted only where they hold in a match of the whole text.
struct Fragment {
  Sequence sequence;
  size_t anchor = kNone;      // the first ^ or $ inside (such a piece cannot be repeated)
  size_t end_anchor = kNone;  // a $ inside, after which nothing may follow
};

// Recursive descent over the pattern's bytes (code points where a literal is not ASCII), emitting
// elements into the builder as it goes. Holds references to the builder and the pattern.
class RegexParser {
 public:
  RegexParser(GrammarBuilder& builder, std::string_view pattern)
      : builder_(builder), pattern_(pattern), initial_size_(builder.size()) {}

  Element parse() {
    if (!utf8::is_valid(pattern_)) fail(utf8::first_invalid(pattern_), "the pattern is not valid UTF-8");
    Fragment whole = alternatives(/*at_start=*/true, 0);
    if (pos_ < pattern_.size()) fail(pos_, "unmatched ')'");
    check_size();
    return builder_.group(std::move(whole.sequence));
  }

 private:
  [[noreturn]] void fail(size_t offset, const std::string& what) const {
    throw Error(ErrorCode::invalid_argument, "invalid regex at offset " + std::to_string(offset) + ": " + what);
  }

  bool at_end() const { return pos_ >= pattern_.size(); }
  char peek(size_t ahead = 0) const { return pos_ + ahead < pattern_.size() ? pattern_[pos_ + ahead] : '\0'; }
  bool accept(char c) {
    if (at_end() || pattern_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  void check_size() const {
    // Elements still held in sequences come from at most one pattern byte each, so pos_ bounds them.
    if (builder_.size() - initial_size_ + static_cast<int64_t>(pos_) > kMaxElements) {
      fail(pos_, "the regex is too large (over " + std::to_string(kMaxElements) + " grammar elements)");
    }
  }

  // alternative ('|' alternative)*, up to a ')' or the end.
  Fragment alternatives(bool at_start, int depth) {
    std::vector<Sequence> choices;
    Fragment out;
    do {
      Fragment branch = sequence(at_start, depth);
      if (out.anchor == kNone) out.anchor = branch.anchor;
      if (branch.end_anchor != kNone) out.end_anchor = branch.end_anchor;
      choices.push_back(std::move(branch.sequence));
    } while (accept('|'));
    if (choices.size() == 1) {
      out.sequence = std::move(choices[0]);
    } else {
      out.sequence = {builder_.choice(std::move(choices))};
    }
    return out;
  }

  Fragment sequence(bool at_start, int depth) {
    Fragment out;
    bool consumed = false;  // an atom came before, so a ^ here could not hold
    while (!at_end() && peek() != '|' && peek() != ')') {
      check_size();
      size_t start = pos_;
      if (accept('^')) {
        if (!at_start || consumed || out.end_anchor != kNone) fail(start, "'^' is only supported at the start of the pattern");
        if (out.anchor == kNone) out.anchor = start;
        continue;
      }
      if (accept('$')) {
        if (out.anchor == kNone) out.anchor = start;
        out.end_anchor = start;
        continue;
      }
      if (out.end_anchor != kNone) fail(out.end_anchor, "'$' is only supported at the end of the pattern");
      Fragment piece = atom(at_start && !consumed, depth);
      if (std::optional<Repetition> repetition = quantifier()) {
        if (piece.anchor != kNone) fail(piece.anchor, "an anchor inside a repeated group is not supported");
        out.sequence.push_back(repeat(builder_.group(std::move(piece.sequence)), *repetition));
      } else {
        out.sequence.insert(out.sequence.end(), piece.sequence.begin(), piece.sequence.end());
      }
      if (out.anchor == kNone) out.anchor = piece.anchor;
      if (piece.end_anchor != kNone) out.end_anchor = piece.end_anchor;
      consumed = true;
    }
    return out;
  }

  Element repeat(Element item, Repetition repetition) {
    Element out = repetition.min == 0 && repetition.max < 0   ? builder_.star(item)
                  : repetition.min == 1 && repetition.max < 0 ? builder_.plus(item)
                  : repetition.min == 0 && repetition.max == 1 ? builder_.optional(item)
                  : repetition.min == 1 && repetition.max == 1 ? item
                                                               : builder_.repeat(item, repetition.min, repetition.max);
    check_size();
    return out;
  }

  // * + ? {m} {m,} {,n} {m,n}, each optionally followed by ? (lazy) or + (possessive). Neither
  // changes the set of whole-text matches we accept (possessive forms are taken as greedy ones).
  std::optional<Repetition> quantifier() {
    Repetition repetition;
    size_t start = pos_;
    if (accept('*')) {
      repetition = {0, -1};
    } else if (accept('+')) {
      repetition = {1, -1};
    } else if (accept('?')) {
      repetition = {0, 1};
    } else if (std::optional<Repetition> braces = brace_quantifier()) {
      repetition = *braces;
    } else {
      return std::nullopt;
    }
    if (repetition.max >= 0 && repetition.max < repetition.min) fail(start, "the repetition's maximum is below its minimum");
    if (!accept('?')) accept('+');
    return repetition;
  }

  // A {m}, {m,}, {,n} or {m,n} at pos_ (consumed), or nothing when the brace is a literal '{'.
  std::optional<Repetition> brace_quantifier() {
    if (peek() != '{') return std::nullopt;
    size_t cursor = pos_ + 1;
    auto number = [&]() -> std::optional<int64_t> {
      size_t first = cursor;
      int64_t value = 0;
      while (cursor < pattern_.size() && is_digit(pattern_[cursor])) {
        value = std::min<int64_t>(value * 10 + (pattern_[cursor] - '0'), kMaxRepetition + 1);
        ++cursor;
      }
      if (cursor == first) return std::nullopt;
      if (value > kMaxRepetition) fail(first, "repetition counts above " + std::to_string(kMaxRepetition) + " are not supported");
      return value;
    };
    std::optional<int64_t> min = number();
    std::optional<int64_t> max = min;
    if (cursor < pattern_.size() && pattern_[cursor] == ',') {
      ++cursor;
      max = number();
      if (!max) max = -1;
    }
    if (cursor >= pattern_.size() || pattern_[cursor] != '}' || (!min && *max < 0)) return std::nullopt;
    pos_ = cursor + 1;
    return Repetition{min.value_or(0), *max};
  }

  Fragment atom(bool at_start, int depth) {
    size_t start = pos_;
    char c = peek();
    if (c == '*' || c == '+' || c == '?' || (c == '{' && brace_quantifier())) fail(start, "nothing to repeat before this quantifier");
    if (accept('(')) return group(start, at_start, depth + 1);
    if (accept('[')) return {{class_element(character_class(start), start)}};
    if (accept('.')) return {{class_element(complement({{'\n', '\n'}}), start)}};
    if (c == '\\') {
      std::variant<char32_t, Ranges> escaped = escape(/*in_class=*/false);
      if (const Ranges* ranges = std::get_if<Ranges>(&escaped)) return {{class_element(*ranges, start)}};
      return {literal(std::get<char32_t>(escaped), start)};
    }
    return {literal(next_codepoint(), start)};
  }

  Fragment group(size_t start, bool at_start, int depth) {
    if (depth > kMaxNesting) fail(start, "groups are nested deeper than " + std::to_string(kMaxNesting) + " levels");
    if (accept('?')) {
      if (accept(':')) {
      } else if (peek() == '=' || peek() == '!') {
        fail(start, "lookahead '(?" + std::string(1, peek()) + "' is not supported");
      } else if (peek() == '<' && (peek(1) == '=' || peek(1) == '!')) {
        fail(start, "lookbehind '(?<" + std::string(1, peek(1)) + "' is not supported");
      } else if (peek() == 'P' && peek(1) == '=') {
        fail(start, "backreferences '(?P=name)' are not supported");
      } else if (accept('<')) {
        group_name(start);
      } else if (peek() == 'P' && peek(1) == '<') {
        pos_ += 2;
        group_name(start);
      } else {
        fail(start, "the group syntax '(?" + std::string(pattern_.substr(pos_, 1)) + "' (inline flags, atomic groups, ...) is not supported");
      }
    }
    Fragment inner = alternatives(at_start, depth);
    if (!accept(')')) fail(start, "missing ')' for this group");
    return inner;
  }

  void group_name(size_t group_start) {
    size_t first = pos_;
    while (!at_end() && (is_ascii_alnum(peek()) || peek() == '_')) ++pos_;
    if (pos_ == first || is_digit(pattern_[first]) || !accept('>')) fail(group_start, "a group name must be a word of letters, digits and '_' closed by '>'");
  }

  // After '[': members and ranges up to ']'; the matched code points.
  Ranges character_class(size_t start) {
    bool negated = accept('^');
    if (peek() == ']') fail(pos_, "a class cannot start with ']' (dialects disagree on what it means); escape it as '\\]'");
    Ranges ranges;
    while (!accept(']')) {
      if (at_end()) fail(start, "missing ']' for this class");
      size_t member_start = pos_;
      std::variant<char32_t, Ranges> first = class_member();
      bool range = peek() == '-' && peek(1) != ']' && pos_ + 1 < pattern_.size();
      if (!range) {
        if (const Ranges* set = std::get_if<Ranges>(&first)) {
          ranges.insert(ranges.end(), set->begin(), set->end());
        } else {
          ranges.emplace_back(std::get<char32_t>(first), std::get<char32_t>(first));
        }
        continue;
      }
      ++pos_;  // '-'
      std::variant<char32_t, Ranges> last = class_member();
      if (!std::holds_alternative<char32_t>(first) || !std::holds_alternative<char32_t>(last)) {
        fail(member_start, "a class range cannot start or end with a class escape such as \\d");
      }
      char32_t lo = std::get<char32_t>(first), hi = std::get<char32_t>(last);
      if (lo > hi) fail(member_start, "the class range is out of order");
      ranges.emplace_back(lo, hi);
    }
    return negated ? complement(ranges) : normalized(ranges);
  }

  std::variant<char32_t, Ranges> class_member() {
    if (peek() == '\\') return escape(/*in_class=*/true);
    return next_codepoint();
  }

  char32_t next_codepoint() {
    int length = 1;
    char32_t cp = utf8::decode(pattern_, pos_, length);  // the pattern is valid UTF-8
    pos_ += static_cast<size_t>(length);
    return cp;
  }

  // At '\\': a single code point, or a class (\d \w \s and their complements).
  std::variant<char32_t, Ranges> escape(bool in_class) {
    size_t start = pos_++;
    if (at_end()) fail(start, "the pattern ends with a lone '\\'");
    char c = pattern_[pos_++];
    switch (c) {
      case 'd': return kDigit;
      case 'D': return complement(kDigit);
      case 'w': return kWord;
      case 'W': return complement(kWord);
      case 's': return kSpace;
      case 'S': return complement(kSpace);
      case 'n': return U'\n';
      case 't': return U'\t';
      case 'r': return U'\r';
      case 'f': return U'\f';
      case 'v': return U'\v';
      case 'x': return hex_escape(start, 2);
      case 'U': return hex_escape(start, 8);
      case 'u': return unicode_escape(start);
      case 'c':
        if (!is_ascii_alnum(peek()) || is_digit(peek())) fail(start, "\\c must be followed by a letter");
        return static_cast<char32_t>(pattern_[pos_++] % 32);
      case '0':
        if (is_digit(peek())) fail(start, "octal escapes are not supported");
        return U'\0';
      case 'b':
        if (in_class) return U'\b';
        fail(start, "word boundaries (\\b) are not supported");
      case 'B': fail(start, "word boundaries (\\B) are not supported");
      case 'k': fail(start, "backreferences (\\k<name>) are not supported");
      case 'p':
      case 'P':
        fail(start, std::string("Unicode property classes (\\") + c + "{...}) are not supported");
      default: break;
    }
    if (is_digit(c)) fail(start, "backreferences (\\" + std::string(1, c) + ") are not supported");
    if (is_ascii_alnum(c)) fail(start, "unknown escape '\\" + std::string(1, c) + "'");
    --pos_;
    return next_codepoint();  // an escaped punctuation or non-ASCII character stands for itself
  }

  char32_t hex_escape(size_t start, int digits) {
    char32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      int digit = hex_value(peek());
      if (digit < 0) fail(start, "expected " + std::to_string(digits) + " hex digits in this escape");
      value = value * 16 + static_cast<char32_t>(digit);
      ++pos_;
    }
    if (value > kMaxCodepoint) fail(start, "the escaped code point is beyond U+10FFFF");
    return value;
  }

  // \uHHHH (a surrogate pair \uHHHH\uHHHH is one code point) or \u{H...}.
  char32_t unicode_escape(size_t start) {
    if (accept('{')) {
      char32_t value = 0;
      size_t first = pos_;
      while (hex_value(peek()) >= 0 && value <= kMaxCodepoint) value = value * 16 + static_cast<char32_t>(hex_value(pattern_[pos_++]));
      if (pos_ == first || !accept('}')) fail(start, "expected hex digits and '}' in \\u{...}");
      if (value > kMaxCodepoint) fail(start, "the escaped code point is beyond U+10FFFF");
      return value;
    }
    char32_t value = hex_escape(start, 4);
    if (value >= 0xD800 && value <= 0xDBFF && peek() == '\\' && peek(1) == 'u') {
      size_t saved = pos_;
      pos_ += 2;
      char32_t low = hex_value(peek()) >= 0 ? hex_escape(saved, 4) : 0;
      if (low >= 0xDC00 && low <= 0xDFFF) return 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00);
      pos_ = saved;
    }
    return value;
  }

  Sequence literal(char32_t cp, size_t offset) {
    if (is_surrogate(cp)) fail(offset, "a lone surrogate code point cannot be matched in UTF-8");
    return builder_.literal(utf8::encode(cp));
  }

  // One element for a class of code points (shared by every use of the same class in the pattern).
  Element class_element(const Ranges& ranges, size_t offset) {
    if (!has_encodable(ranges)) fail(offset, "the class matches no character");
    auto [it, added] = classes_.try_emplace(ranges);
    if (added) it->second = builder_.codepoints(ranges);
    return it->second;
  }

  GrammarBuilder& builder_;
  std::string_view pattern_;
  size_t pos_ = 0;
  int64_t initial_size_;
  std::map<Ranges, Element> classes_;
};

}  // namespace

Element regex_element(GrammarBuilder& builder, std::string_view pattern) { return RegexParser(builder, pattern).parse(); }

Grammar compile_regex(std::string_view pattern) {
  GrammarBuilder builder;
  Element body = regex_element(builder, pattern);
  int32_t root = builder.add_rule("root", {{body}});
  return std::move(builder).build(root);
}

}  // namespace gatehouse::grammar
