// What the readers of grammar text (regexes, EBNF and Lark grammars) share: a cursor over the
// UTF-8 source that reads code points, backslash escapes and bracketed character classes with
// regex rules, and throws Error(invalid_argument) saying where (a byte offset for a regex, line and
// column for a grammar). Also the limits every reader enforces, and helpers that turn code point
// classes and repetition counts into grammar elements. A cursor views text its owner keeps alive.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "grammar/grammar.h"

namespace gatehouse::grammar {

// Limits on what one piece of user text may build, so that compiling stays cheap.
inline constexpr int64_t kMaxRepetition = 10000;   // the largest m or n in {m,n}
inline constexpr int64_t kMaxElements = 200000;    // grammar elements built from one text
inline constexpr int kMaxNesting = 100;            // depth of nested groups

using CodepointRanges = std::vector<std::pair<char32_t, char32_t>>;

CodepointRanges normalized(CodepointRanges ranges);  // sorted, merged
CodepointRanges complement(const CodepointRanges& ranges);

class TextCursor {
 public:
  enum class Where { offset, line_column };
  // `what` names the text in errors: "invalid <what> at offset 3: ..." or "... at line 2, column 5: ...".
  TextCursor(std::string_view text, std::string what, Where where);

  [[noreturn]] void fail(size_t offset, const std::string& message) const;
  const std::string& what() const { return what_; }
  // Fails unless the text is valid UTF-8.
  void require_utf8() const;

  std::string_view text() const { return text_; }
  size_t pos() const { return pos_; }
  void seek(size_t pos) { pos_ = pos; }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  bool accept(char c);
  bool accept(std::string_view word);

  char32_t next_codepoint();
  // At a backslash: one code point, or a class for \d \D \w \W \s \S. Inside a class (and in
  // grammar strings) \b is a backspace; outside it is a word boundary, which is refused.
  std::variant<char32_t, CodepointRanges> escape(bool in_class);
  // After '[': members, ranges and escapes up to ']'; the code points the class matches (a
  // leading '^' negates).
  CodepointRanges character_class(size_t start);

 private:
  std::variant<char32_t, CodepointRanges> class_member();
  char32_t hex_escape(size_t start, int digits);
  char32_t unicode_escape(size_t start);

  std::string_view text_;
  std::string what_;
  Where where_;
  size_t pos_ = 0;
};

// Grammar elements for code point classes, one per distinct class (a reader often uses the same
// class many times). Holds a reference to the builder.
class ClassElements {
 public:
  explicit ClassElements(GrammarBuilder& builder) : builder_(builder) {}
  // Fails through `cursor` at `offset` when the class holds no encodable code point.
  Element get(const CodepointRanges& ranges, const TextCursor& cursor, size_t offset);

 private:
  GrammarBuilder& builder_;
  std::map<CodepointRanges, Element> elements_;
};

// The UTF-8 bytes of `cp`, failing at `offset` for a lone surrogate (which UTF-8 cannot hold).
Sequence codepoint_literal(GrammarBuilder& builder, char32_t cp, const TextCursor& cursor, size_t offset);

// Fails when what the cursor's text built has grown past kMaxElements: the builder's growth since
// `initial_size`, plus the cursor's position, which bounds the elements not yet in a rule.
void check_size(const GrammarBuilder& builder, int64_t initial_size, const TextCursor& cursor);

// item{min,max} (max < 0: unbounded) with the builder's star/plus/optional where they fit.
Element repetition(GrammarBuilder& builder, Element item, int64_t min, int64_t max);

}  // namespace gatehouse::grammar
