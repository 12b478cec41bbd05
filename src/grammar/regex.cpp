#include "grammar/regex.h"

#include <optional>

#include "grammar/text_cursor.h"

namespace gatehouse::grammar {
namespace {

constexpr size_t kNone = std::string_view::npos;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word_char(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

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

// Recursive descent over the pattern, emitting elements into the builder as it goes. Holds
// references to the builder and the pattern.
class RegexParser {
 public:
  RegexParser(GrammarBuilder& builder, std::string_view pattern)
      : builder_(builder), cursor_(pattern, "regex", TextCursor::Where::offset), classes_(builder),
        initial_size_(builder.size()) {}

  Element parse() {
    cursor_.require_utf8();
    Fragment whole = alternatives(/*at_start=*/true, 0);
    if (!cursor_.at_end()) cursor_.fail(cursor_.pos(), "unmatched ')'");
    check_size(builder_, initial_size_, cursor_);
    return builder_.group(std::move(whole.sequence));
  }

 private:
  // alternative ('|' alternative)*, up to a ')' or the end.
  Fragment alternatives(bool at_start, int depth) {
    std::vector<Sequence> choices;
    Fragment out;
    do {
      Fragment branch = sequence(at_start, depth);
      if (out.anchor == kNone) out.anchor = branch.anchor;
      if (branch.end_anchor != kNone) out.end_anchor = branch.end_anchor;
      choices.push_back(std::move(branch.sequence));
    } while (cursor_.accept('|'));
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
    while (!cursor_.at_end() && cursor_.peek() != '|' && cursor_.peek() != ')') {
      check_size(builder_, initial_size_, cursor_);
      size_t start = cursor_.pos();
      if (cursor_.accept('^')) {
        if (!at_start || consumed || out.end_anchor != kNone) cursor_.fail(start, "'^' is only supported at the start of the pattern");
        if (out.anchor == kNone) out.anchor = start;
        continue;
      }
      if (cursor_.accept('$')) {
        if (out.anchor == kNone) out.anchor = start;
        out.end_anchor = start;
        continue;
      }
      if (out.end_anchor != kNone) cursor_.fail(out.end_anchor, "'$' is only supported at the end of the pattern");
      Fragment piece = atom(at_start && !consumed, depth);
      if (std::optional<Repetition> repeat = quantifier()) {
        if (piece.anchor != kNone) cursor_.fail(piece.anchor, "an anchor inside a repeated group is not supported");
        out.sequence.push_back(repetition(builder_, builder_.group(std::move(piece.sequence)), repeat->min, repeat->max));
      } else {
        out.sequence.insert(out.sequence.end(), piece.sequence.begin(), piece.sequence.end());
      }
      if (out.anchor == kNone) out.anchor = piece.anchor;
      if (piece.end_anchor != kNone) out.end_anchor = piece.end_anchor;
      consumed = true;
    }
    return out;
  }

  // * + ? {m} {m,} {,n} {m,n}, each optionally followed by ? (lazy) or + (possessive). Neither
  // changes the set of whole-text matches we accept (possessive forms are taken as greedy ones).
  std::optional<Repetition> quantifier() {
    Repetition repeat;
    size_t start = cursor_.pos();
    if (cursor_.accept('*')) {
      repeat = {0, -1};
    } else if (cursor_.accept('+')) {
      repeat = {1, -1};
    } else if (cursor_.accept('?')) {
      repeat = {0, 1};
    } else if (std::optional<Repetition> braces = brace_quantifier()) {
      repeat = *braces;
    } else {
      return std::nullopt;
    }
    if (repeat.max >= 0 && repeat.max < repeat.min) cursor_.fail(start, "the repetition's maximum is below its minimum");
    if (!cursor_.accept('?')) cursor_.accept('+');
    return repeat;
  }

  // A {m}, {m,}, {,n} or {m,n} at the cursor (consumed), or nothing when the brace is a literal '{'.
  std::optional<Repetition> brace_quantifier() {
    if (cursor_.peek() != '{') return std::nullopt;
    std::string_view text = cursor_.text();
    size_t at = cursor_.pos() + 1;
    auto number = [&]() -> std::optional<int64_t> {
      size_t first = at;
      int64_t value = 0;
      for (; at < text.size() && is_digit(text[at]); ++at) value = std::min<int64_t>(value * 10 + (text[at] - '0'), kMaxRepetition + 1);
      if (at == first) return std::nullopt;
      if (value > kMaxRepetition) cursor_.fail(first, "repetition counts above " + std::to_string(kMaxRepetition) + " are not supported");
      return value;
    };
    std::optional<int64_t> min = number();
    std::optional<int64_t> max = min;
    if (at < text.size() && text[at] == ',') {
      ++at;
      max = number().value_or(-1);
    }
    if (at >= text.size() || text[at] != '}' || (!min && *max < 0)) return std::nullopt;
    cursor_.seek(at + 1);
    return Repetition{min.value_or(0), *max};
  }

  Fragment atom(bool at_start, int depth) {
    size_t start = cursor_.pos();
    char c = cursor_.peek();
    if (c == '*' || c == '+' || c == '?' || (c == '{' && brace_quantifier())) cursor_.fail(start, "nothing to repeat before this quantifier");
    if (cursor_.accept('(')) return group(start, at_start, depth + 1);
    if (cursor_.accept('[')) return {{classes_.get(cursor_.character_class(start), cursor_, start)}};
    if (cursor_.accept('.')) return {{classes_.get(complement({{'\n', '\n'}}), cursor_, start)}};
    if (c == '\\') {
      std::variant<char32_t, CodepointRanges> escaped = cursor_.escape(/*in_class=*/false);
      if (const CodepointRanges* ranges = std::get_if<CodepointRanges>(&escaped)) return {{classes_.get(*ranges, cursor_, start)}};
      return {codepoint_literal(builder_, std::get<char32_t>(escaped), cursor_, start)};
    }
    return {codepoint_literal(builder_, cursor_.next_codepoint(), cursor_, start)};
  }

  Fragment group(size_t start, bool at_start, int depth) {
    if (depth > kMaxNesting) cursor_.fail(start, "groups are nested deeper than " + std::to_string(kMaxNesting) + " levels");
    if (cursor_.accept('?')) {
      char next = cursor_.peek(), after = cursor_.peek(1);
      if (cursor_.accept(':')) {
      } else if (next == '=' || next == '!') {
        cursor_.fail(start, "lookahead '(?" + std::string(1, next) + "' is not supported");
      } else if (next == '<' && (after == '=' || after == '!')) {
        cursor_.fail(start, "lookbehind '(?<" + std::string(1, after) + "' is not supported");
      } else if (cursor_.accept("P=")) {
        cursor_.fail(start, "backreferences '(?P=name)' are not supported");
      } else if (cursor_.accept('<') || cursor_.accept("P<")) {
        group_name(start);
      } else {
        cursor_.fail(start, "the group syntax '(?" + std::string(cursor_.text().substr(cursor_.pos(), 1)) +
                                "' (inline flags, atomic groups, ...) is not supported");
      }
    }
    Fragment inner = alternatives(at_start, depth);
    if (!cursor_.accept(')')) cursor_.fail(start, "missing ')' for this group");
    return inner;
  }

  void group_name(size_t group_start) {
    size_t first = cursor_.pos();
    while (is_word_char(cursor_.peek())) cursor_.seek(cursor_.pos() + 1);
    if (cursor_.pos() == first || is_digit(cursor_.text()[first]) || !cursor_.accept('>')) {
      cursor_.fail(group_start, "a group name must be a word of letters, digits and '_' closed by '>'");
    }
  }

  GrammarBuilder& builder_;
  TextCursor cursor_;
  ClassElements classes_;
  int64_t initial_size_;
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
