#include "grammar/text_cursor.h"

#include <algorithm>

#include "base/error.h"
#include "base/utf8.h"

namespace gatehouse::grammar {
namespace {

constexpr char32_t kMaxCodepoint = 0x10FFFF;

// The ECMAScript meanings: \d and \w are ASCII, \s is WhiteSpace plus LineTerminator.
const CodepointRanges kDigit = {{'0', '9'}};
const CodepointRanges kWord = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
const CodepointRanges kSpace = {{'\t', '\r'},     {' ', ' '},       {0xA0, 0xA0},     {0x1680, 0x1680},
                                {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F},
                                {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_surrogate(char32_t cp) { return cp >= 0xD800 && cp <= 0xDFFF; }

}  // namespace

CodepointRanges normalized(CodepointRanges ranges) {
  std::sort(ranges.begin(), ranges.end());
  CodepointRanges merged;
  for (auto [lo, hi] : ranges) {
    if (!merged.empty() && lo <= merged.back().second + 1) {
      merged.back().second = std::max(merged.back().second, hi);
    } else {
      merged.emplace_back(lo, hi);
    }
  }
  return merged;
}

CodepointRanges complement(const CodepointRanges& ranges) {
  CodepointRanges out;
  char32_t next = 0;
  for (auto [lo, hi] : normalized(ranges)) {
    if (lo > next) out.emplace_back(next, lo - 1);
    next = hi + 1;
  }
  if (next <= kMaxCodepoint) out.emplace_back(next, kMaxCodepoint);
  return out;
}

TextCursor::TextCursor(std::string_view text, std::string what, Where where)
    : text_(text), what_(std::move(what)), where_(where) {}

void TextCursor::fail(size_t offset, const std::string& message) const {
  std::string where;
  if (where_ == Where::offset) {
    where = "offset " + std::to_string(offset);
  } else {
    size_t line_start = offset == 0 ? std::string_view::npos : text_.rfind('\n', offset - 1);
    line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
    size_t line = 1 + static_cast<size_t>(std::count(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(line_start), '\n'));
    size_t column = 1 + utf8::count_code_points(text_.substr(line_start, offset - line_start));
    where = "line " + std::to_string(line) + ", column " + std::to_string(column);
  }
  throw Error(ErrorCode::invalid_argument, "invalid " + what_ + " at " + where + ": " + message);
}

void TextCursor::require_utf8() const {
  if (!utf8::is_valid(text_)) fail(utf8::first_invalid(text_), "the " + what_ + " is not valid UTF-8");
}

bool TextCursor::accept(char c) {
  if (at_end() || text_[pos_] != c) return false;
  ++pos_;
  return true;
}

bool TextCursor::accept(std::string_view word) {
  if (text_.substr(pos_, word.size()) != word) return false;
  pos_ += word.size();
  return true;
}

char32_t TextCursor::next_codepoint() {
  int length = 1;
  char32_t cp = utf8::decode(text_, pos_, length);
  if (cp == utf8::kReplacement && text_.substr(pos_, 3) != "\xEF\xBF\xBD") fail(pos_, "the " + what_ + " is not valid UTF-8");
  pos_ += static_cast<size_t>(length);
  return cp;
}

std::variant<char32_t, CodepointRanges> TextCursor::escape(bool in_class) {
  size_t start = pos_++;
  if (at_end()) fail(start, "the " + what_ + " ends with a lone '\\'");
  char c = text_[pos_++];
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
      if (!is_letter(peek())) fail(start, "\\c must be followed by a letter");
      return static_cast<char32_t>(text_[pos_++] % 32);
    case '0':
      if (is_digit(peek())) fail(start, "octal escapes are not supported");
      return U'\0';
    case 'b':
      if (in_class) return U'\b';
      fail(start, "word boundaries (\\b) are not supported");
    case 'B': fail(start, "word boundaries (\\B) are not supported");
    case 'k': fail(start, "backreferences (\\k<name>) are not supported");
    case 'p':
    case 'P': fail(start, std::string("Unicode property classes (\\") + c + "{...}) are not supported");
    default: break;
  }
  if (is_digit(c)) fail(start, "backreferences (\\" + std::string(1, c) + ") are not supported");
  if (is_letter(c)) fail(start, "unknown escape '\\" + std::string(1, c) + "'");
  --pos_;
  return next_codepoint();  // an escaped punctuation or non-ASCII character stands for itself
}

char32_t TextCursor::hex_escape(size_t start, int digits) {
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
char32_t TextCursor::unicode_escape(size_t start) {
  if (accept('{')) {
    char32_t value = 0;
    size_t first = pos_;
    while (hex_value(peek()) >= 0 && value <= kMaxCodepoint) value = value * 16 + static_cast<char32_t>(hex_value(text_[pos_++]));
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

CodepointRanges TextCursor::character_class(size_t start) {
  bool negated = accept('^');
  if (peek() == ']') fail(pos_, "a class cannot start with ']' (dialects disagree on what it means); escape it as '\\]'");
  CodepointRanges ranges;
  while (!accept(']')) {
    if (at_end()) fail(start, "missing ']' for this class");
    size_t member_start = pos_;
    std::variant<char32_t, CodepointRanges> first = class_member();
    if (peek() != '-' || peek(1) == ']' || pos_ + 1 >= text_.size()) {
      if (const CodepointRanges* set = std::get_if<CodepointRanges>(&first)) {
        ranges.insert(ranges.end(), set->begin(), set->end());
      } else {
        ranges.emplace_back(std::get<char32_t>(first), std::get<char32_t>(first));
      }
      continue;
    }
    ++pos_;  // '-'
    std::variant<char32_t, CodepointRanges> last = class_member();
    if (!std::holds_alternative<char32_t>(first) || !std::holds_alternative<char32_t>(last)) {
      fail(member_start, "a class range cannot start or end with a class escape such as \\d");
    }
    char32_t lo = std::get<char32_t>(first), hi = std::get<char32_t>(last);
    if (lo > hi) fail(member_start, "the class range is out of order");
    ranges.emplace_back(lo, hi);
  }
  return negated ? complement(ranges) : normalized(ranges);
}

std::variant<char32_t, CodepointRanges> TextCursor::class_member() {
  if (peek() == '\\') return escape(/*in_class=*/true);
  return next_codepoint();
}

Element ClassElements::get(const CodepointRanges& ranges, const TextCursor& cursor, size_t offset) {
  bool encodable = std::any_of(ranges.begin(), ranges.end(), [](auto range) { return range.first < 0xD800 || range.second > 0xDFFF; });
  if (!encodable) cursor.fail(offset, "the class matches no character");
  auto [it, added] = elements_.try_emplace(ranges);
  if (added) it->second = builder_.codepoints(ranges);
  return it->second;
}

Sequence codepoint_literal(GrammarBuilder& builder, char32_t cp, const TextCursor& cursor, size_t offset) {
  if (is_surrogate(cp)) cursor.fail(offset, "a lone surrogate code point cannot be matched in UTF-8");
  return builder.literal(utf8::encode(cp));
}

void check_size(const GrammarBuilder& builder, int64_t initial_size, const TextCursor& cursor) {
  if (builder.size() - initial_size + static_cast<int64_t>(cursor.pos()) > kMaxElements) {
    cursor.fail(cursor.pos(), "the " + cursor.what() + " is too large (over " + std::to_string(kMaxElements) + " grammar elements)");
  }
}

Element repetition(GrammarBuilder& builder, Element item, int64_t min, int64_t max) {
  if (min == 0 && max < 0) return builder.star(item);
  if (min == 1 && max < 0) return builder.plus(item);
  if (min == 0 && max == 1) return builder.optional(item);
  if (min == 1 && max == 1) return item;
  return builder.repeat(item, min, max);
}

}  // namespace gatehouse::grammar
