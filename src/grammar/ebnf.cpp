#include "grammar/ebnf.h"

#include <optional>

#include "base/error.h"
#include "base/utf8.h"
#include "grammar/regex.h"
#include "grammar/text_cursor.h"

namespace gatehouse::grammar {
namespace {

enum class Dialect { ebnf, lark };

// vLLM's grammar_is_likely_lark: no line holds "::=" once its comment (# or //) is cut.
bool looks_like_lark(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return false;
  for (size_t start = 0; start <= text.size();) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    line = line.substr(0, std::min(line.find('#'), line.find("//")));
    if (line.find("::=") != std::string_view::npos) return false;
    start = end + 1;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

// Reads one grammar text into rules, in either dialect (they differ in a handful of tokens).
// Rules are declared at their first use and must all be defined by the end.
class GrammarReader {
 public:
  GrammarReader(std::string_view text, Dialect dialect)
      : cursor_(text, dialect == Dialect::ebnf ? "EBNF grammar" : "Lark grammar", TextCursor::Where::line_column),
        classes_(builder_), dialect_(dialect) {}

  Grammar read() {
    cursor_.require_utf8();
    skip_blanks();
    while (!cursor_.at_end()) {
      if (lark() && cursor_.peek() == '%') cursor_.fail(cursor_.pos(), "Lark directives such as %import and %ignore are not supported");
      if (!at_definition()) cursor_.fail(cursor_.pos(), lark() ? "expected a rule 'name: ...'" : "expected a rule 'name ::= ...'");
      definition();
    }
    for (const std::string& name : use_order_) {
      const RuleName& rule = rules_.at(name);
      if (!rule.defined) cursor_.fail(rule.first_use, "rule '" + name + "' is used but never defined");
    }
    std::string root = lark() ? (rules_.count("start") ? "start" : first_rule_) : "root";
    if (root.empty()) cursor_.fail(cursor_.pos(), "the grammar defines no rules");
    auto it = rules_.find(root);
    if (it == rules_.end() || !it->second.defined) cursor_.fail(cursor_.pos(), "the grammar has no 'root' rule, where the output starts");
    return std::move(builder_).build(it->second.id);
  }

 private:
  struct RuleName {
    int32_t id;
    bool defined = false;
    size_t first_use;
  };

  bool lark() const { return dialect_ == Dialect::lark; }

  // Spaces, line breaks and comments (# in both dialects, // in Lark).
  void skip_blanks() {
    for (;;) {
      char c = cursor_.peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        cursor_.seek(cursor_.pos() + 1);
      } else if (c == '#' || (lark() && c == '/' && cursor_.peek(1) == '/')) {
        size_t end = cursor_.text().find('\n', cursor_.pos());
        cursor_.seek(end == std::string_view::npos ? cursor_.text().size() : end);
      } else {
        return;
      }
    }
  }

  bool is_name_char(char c) const { return is_name_start(c) || is_digit(c) || (!lark() && (c == '-' || c == '.')); }

  // Whether a rule definition starts here: `name ::=`, or in Lark `[?!]name[.priority]:`.
  bool at_definition() const {
    std::string_view text = cursor_.text();
    size_t at = cursor_.pos();
    if (lark() && at < text.size() && (text[at] == '?' || text[at] == '!')) ++at;
    if (at >= text.size() || !is_name_start(text[at])) return false;
    while (at < text.size() && is_name_char(text[at])) ++at;
    if (lark() && at < text.size() && text[at] == '.') {
      for (++at; at < text.size() && (is_digit(text[at]) || text[at] == '-');) ++at;
    }
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
    return lark() ? at < text.size() && text[at] == ':' : text.substr(at, 3) == "::=";
  }

  std::string name() {
    size_t start = cursor_.pos();
    if (!is_name_start(cursor_.peek())) cursor_.fail(start, "expected a rule name");
    while (is_name_char(cursor_.peek())) cursor_.seek(cursor_.pos() + 1);
    return std::string(cursor_.text().substr(start, cursor_.pos() - start));
  }

  int32_t rule_named(const std::string& name, size_t offset) {
    auto [it, added] = rules_.try_emplace(name, RuleName{0, false, offset});
    if (added) {
      it->second.id = builder_.declare(name);
      use_order_.push_back(name);
    }
    return it->second.id;
  }

  void definition() {
    size_t start = cursor_.pos();
    if (lark() && !cursor_.accept('?')) cursor_.accept('!');
    std::string rule_name = name();
    if (lark() && cursor_.accept('.')) {
      while (is_digit(cursor_.peek()) || cursor_.peek() == '-') cursor_.seek(cursor_.pos() + 1);
    }
    skip_blanks();
    cursor_.accept(lark() ? ":" : "::=");
    int32_t rule = rule_named(rule_name, start);
    RuleName& entry = rules_.at(rule_name);
    if (entry.defined) cursor_.fail(start, "rule '" + rule_name + "' is defined twice");
    entry.defined = true;
    if (first_rule_.empty()) first_rule_ = rule_name;
    std::vector<Sequence> body = alternatives(0);
    if (!lark() && cursor_.accept("(=")) {
      size_t lookahead = cursor_.pos() - 2;
      alternatives(1);  // checked, then ignored: it only narrows what may follow the rule
      if (!cursor_.accept(')')) cursor_.fail(lookahead, "missing ')' for this lookahead");
      skip_blanks();
    }
    builder_.define(rule, std::move(body));
    bool directive = lark() && cursor_.peek() == '%';  // refused by read()
    if (!cursor_.at_end() && !at_definition() && !directive) cursor_.fail(cursor_.pos(), "expected an element, '|' or a new rule, but found " + found());
  }

  std::vector<Sequence> alternatives(int depth) {
    std::vector<Sequence> out;
    do {
      out.push_back(sequence(depth));
      if (lark() && cursor_.accept("->")) {  // an alias names the tree node; the language is the same
        skip_blanks();
        name();
        skip_blanks();
      }
    } while (cursor_.accept('|'));
    return out;
  }

  Sequence sequence(int depth) {
    Sequence out;
    for (;;) {
      skip_blanks();
      char c = cursor_.peek();
      if (cursor_.at_end() || c == '|' || c == ')' || at_definition() || (!lark() && cursor_.text().substr(cursor_.pos(), 2) == "(=") ||
          (lark() && (c == ']' || c == '%' || cursor_.text().substr(cursor_.pos(), 2) == "->"))) {
        return out;
      }
      check_size(builder_, 0, cursor_);
      Sequence piece = element(depth);
      skip_blanks();
      if (std::optional<std::pair<int64_t, int64_t>> repeat = quantifier()) {
        out.push_back(repetition(builder_, builder_.group(std::move(piece)), repeat->first, repeat->second));
        check_size(builder_, 0, cursor_);
      } else {
        out.insert(out.end(), piece.begin(), piece.end());
      }
    }
  }

  // * + ?, then {m} {m,} {m,n} in EBNF or ~ n and ~ n..m in Lark: (min, max), max -1 unbounded.
  std::optional<std::pair<int64_t, int64_t>> quantifier() {
    if (at_definition()) return std::nullopt;  // a Lark ?rule on the next line, not a quantifier
    if (cursor_.accept('*')) return std::pair<int64_t, int64_t>{0, -1};
    if (cursor_.accept('+')) return std::pair<int64_t, int64_t>{1, -1};
    if (cursor_.accept('?')) return std::pair<int64_t, int64_t>{0, 1};
    size_t start = cursor_.pos();
    if (!lark() && cursor_.accept('{')) {
      int64_t min = count();
      int64_t max = min;
      skip_blanks();
      if (cursor_.accept(',')) {
        skip_blanks();
        max = cursor_.peek() == '}' ? -1 : count();
        skip_blanks();
      }
      if (!cursor_.accept('}')) cursor_.fail(cursor_.pos(), "expected '}' closing the repetition, but found " + found());
      if (max >= 0 && max < min) cursor_.fail(start, "the repetition's maximum is below its minimum");
      return std::pair{min, max};
    }
    if (lark() && cursor_.accept('~')) {
      int64_t min = count();
      int64_t max = cursor_.accept("..") ? count() : min;
      if (max < min) cursor_.fail(start, "the repetition's maximum is below its minimum");
      return std::pair{min, max};
    }
    return std::nullopt;
  }

  int64_t count() {
    skip_blanks();
    size_t start = cursor_.pos();
    int64_t value = 0;
    while (is_digit(cursor_.peek())) {
      value = std::min<int64_t>(value * 10 + (cursor_.peek() - '0'), kMaxRepetition + 1);
      cursor_.seek(cursor_.pos() + 1);
    }
    if (cursor_.pos() == start) cursor_.fail(start, "expected a repetition count, but found " + found());
    if (value > kMaxRepetition) cursor_.fail(start, "repetition counts above " + std::to_string(kMaxRepetition) + " are not supported");
    return value;
  }

  Sequence element(int depth) {
    size_t start = cursor_.pos();
    char c = cursor_.peek();
    if (c == '"' || (lark() && c == '\'')) return string_element();
    if (c == '(' || (lark() && c == '[')) {
      if (depth + 1 > kMaxNesting) cursor_.fail(start, "groups are nested deeper than " + std::to_string(kMaxNesting) + " levels");
      cursor_.seek(start + 1);
      std::vector<Sequence> inner = alternatives(depth + 1);
      char close = c == '(' ? ')' : ']';
      if (!cursor_.accept(close)) cursor_.fail(start, std::string("missing '") + close + "' for this group, found " + found());
      if (c == '[') return {builder_.optional(builder_.choice(std::move(inner)))};
      if (inner.size() == 1) return std::move(inner[0]);
      return {builder_.choice(std::move(inner))};
    }
    if (c == '[') {
      cursor_.seek(start + 1);
      return {classes_.get(cursor_.character_class(start), cursor_, start)};
    }
    if (lark() && c == '/') return lark_regex();
    if (is_name_start(c)) {
      std::string rule_name = name();
      bool call = cursor_.peek() == '(';
      if (!lark() && call && rule_name == "Regex") return regex_macro(start);
      if (!lark() && call && (rule_name == "TagDispatch" || rule_name == "TokenTagDispatch" || rule_name == "Token" || rule_name == "ExcludeToken")) {
        cursor_.fail(start, "the macro " + rule_name + "(...) is not supported");
      }
      return {GrammarBuilder::ref(rule_named(rule_name, start))};
    }
    cursor_.fail(start, "expected an element (a string, a character class, a rule name or '('), but found " + found());
  }

  // "..." (or Lark's '...'); in Lark also the range "a".."z".
  Sequence string_element() {
    size_t start = cursor_.pos();
    std::u32string first = quoted();
    if (lark() && (cursor_.peek() == 'i' && !is_name_char(cursor_.peek(1)))) cursor_.fail(start, "case-insensitive literals (\"...\"i) are not supported");
    if (lark() && cursor_.accept("..")) {
      size_t second_start = cursor_.pos();
      if (cursor_.peek() != '"' && cursor_.peek() != '\'') cursor_.fail(second_start, "expected a one-character string after '..'");
      std::u32string last = quoted();
      if (first.size() != 1 || last.size() != 1) cursor_.fail(start, "a range \"a\"..\"z\" needs one character on each side");
      if (first[0] > last[0]) cursor_.fail(start, "the range is out of order");
      return {classes_.get({{first[0], last[0]}}, cursor_, start)};
    }
    Sequence out;
    for (char32_t cp : first) {
      Sequence bytes = codepoint_literal(builder_, cp, cursor_, start);
      out.insert(out.end(), bytes.begin(), bytes.end());
    }
    return out;
  }

  // At a quote: the code points up to the matching quote, escapes resolved.
  std::u32string quoted() {
    size_t start = cursor_.pos();
    char quote = cursor_.peek();
    cursor_.seek(start + 1);
    std::u32string out;
    while (!cursor_.accept(quote)) {
      if (cursor_.at_end() || cursor_.peek() == '\n') cursor_.fail(start, "missing the closing quote of this string");
      if (cursor_.peek() != '\\') {
        out += cursor_.next_codepoint();
        continue;
      }
      size_t escape_start = cursor_.pos();
      std::variant<char32_t, CodepointRanges> escaped = cursor_.escape(/*in_class=*/true);
      if (!std::holds_alternative<char32_t>(escaped)) cursor_.fail(escape_start, "a class escape such as \\d cannot appear in a string");
      out += std::get<char32_t>(escaped);
    }
    return out;
  }

  // Lark's /regex/ (flags are refused).
  Sequence lark_regex() {
    size_t start = cursor_.pos();
    size_t at = start + 1;
    std::string_view text = cursor_.text();
    while (at < text.size() && text[at] != '/' && text[at] != '\n') at += text[at] == '\\' ? 2 : 1;
    if (at >= text.size() || text[at] != '/') cursor_.fail(start, "missing the closing '/' of this regex");
    cursor_.seek(at + 1);
    if (is_name_start(cursor_.peek())) cursor_.fail(cursor_.pos(), "regex flags (/.../i and others) are not supported");
    return {embedded_regex(text.substr(start + 1, at - start - 1), start)};
  }

  // xgrammar's Regex("...") macro.
  Sequence regex_macro(size_t start) {
    cursor_.accept('(');
    skip_blanks();
    if (cursor_.peek() != '"') cursor_.fail(cursor_.pos(), "expected a string in Regex(\"...\")");
    std::u32string pattern = quoted();
    skip_blanks();
    if (!cursor_.accept(')')) cursor_.fail(cursor_.pos(), "expected ')' closing Regex(\"...\")");
    std::string bytes;
    for (char32_t cp : pattern) utf8::append(bytes, cp);
    return {embedded_regex(bytes, start)};
  }

  Element embedded_regex(std::string_view pattern, size_t offset) {
    try {
      return regex_element(builder_, pattern);
    } catch (const Error& error) {
      cursor_.fail(offset, error.what());
    }
  }

  std::string found() const {
    if (cursor_.at_end()) return "the end of the grammar";
    size_t length = static_cast<size_t>(utf8::sequence_length(static_cast<unsigned char>(cursor_.peek())));
    return "'" + std::string(cursor_.text().substr(cursor_.pos(), length)) + "'";
  }

  GrammarBuilder builder_;
  TextCursor cursor_;
  ClassElements classes_;
  Dialect dialect_;
  std::map<std::string, RuleName> rules_;
  std::vector<std::string> use_order_;  // rule names in order of first appearance
  std::string first_rule_;
};

}  // namespace

Grammar compile_ebnf(std::string_view text) {
  return GrammarReader(text, looks_like_lark(text) ? Dialect::lark : Dialect::ebnf).read();
}

}  // namespace gatehouse::grammar
