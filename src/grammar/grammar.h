// A context-free grammar over bytes: what every constraint (JSON Schema, regex, EBNF, choice)
// compiles to before matching. A rule is a list of alternatives; an alternative is a sequence of
// elements; an element is either a set of bytes (one input byte from the set) or a reference to a
// rule. Characters beyond ASCII are spelled as their UTF-8 byte sequences, so a grammar matches
// the raw bytes of token strings. An empty alternative matches the empty string.
// Grammars are built with GrammarBuilder and immutable afterwards (thread-safe to share).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::grammar {

// A set of byte values, 256 bits.
class ByteSet {
 public:
  ByteSet() = default;
  static ByteSet of(uint8_t byte);
  static ByteSet range(uint8_t lo, uint8_t hi);
  static ByteSet all();

  void add(uint8_t byte) { bits_[byte >> 6] |= uint64_t{1} << (byte & 63); }
  void add_range(uint8_t lo, uint8_t hi);
  void add_all(const ByteSet& other);
  bool contains(uint8_t byte) const { return (bits_[byte >> 6] >> (byte & 63)) & 1; }
  bool empty() const;
  ByteSet complement() const;
  bool operator==(const ByteSet&) const = default;
  auto operator<=>(const ByteSet&) const = default;

 private:
  std::array<uint64_t, 4> bits_{};
};

struct Element {
  enum class Kind : uint8_t { bytes, rule };
  Kind kind = Kind::bytes;
  int32_t index = 0;  // into Grammar::byte_sets() or Grammar::rules()

  bool operator==(const Element&) const = default;
};

using Sequence = std::vector<Element>;

struct Rule {
  std::string name;  // for error messages and debugging only
  std::vector<Sequence> alternatives;
};

class Grammar {
 public:
  const std::vector<Rule>& rules() const { return rules_; }
  const std::vector<ByteSet>& byte_sets() const { return byte_sets_; }
  int32_t root() const { return root_; }
  // A readable EBNF-like listing, for tests and error reports.
  std::string to_string() const;

 private:
  friend class GrammarBuilder;
  std::vector<Rule> rules_;
  std::vector<ByteSet> byte_sets_;
  int32_t root_ = 0;
};

// Builds a Grammar. Rules may be declared before they are defined (recursion), and every declared
// rule must be defined before build(). The helpers for repetition add rules of their own, named
// after the rule being built. build() checks the grammar: undefined rules, and left recursion
// (which the matcher cannot run) are an Error(invalid_argument) naming the rule.
class GrammarBuilder {
 public:
  int32_t declare(std::string name);
  void define(int32_t rule, std::vector<Sequence> alternatives);
  int32_t add_rule(std::string name, std::vector<Sequence> alternatives);

  Element bytes(const ByteSet& set);
  Element byte(uint8_t value) { return bytes(ByteSet::of(value)); }
  static Element ref(int32_t rule) { return {Element::Kind::rule, rule}; }
  // The bytes of `text`, one element each.
  Sequence literal(std::string_view text);
  // One UTF-8 encoded code point from [lo, hi] (valid scalar values only: surrogates excluded).
  Element codepoint_range(char32_t lo, char32_t hi);
  // One code point from a union of ranges; `negated` takes every valid code point not in them.
  Element codepoints(const std::vector<std::pair<char32_t, char32_t>>& ranges, bool negated = false);

  // Repetitions of `item`, which is any element: item*, item+, item?, item{min,max}
  // (max < 0: unbounded).
  Element star(Element item);
  Element plus(Element item);
  Element optional(Element item);
  Element repeat(Element item, int64_t min, int64_t max);
  // A rule matching exactly `sequence` (to use a sequence where one element is expected).
  Element group(Sequence sequence);
  // A rule matching any one of `alternatives`.
  Element choice(std::vector<Sequence> alternatives);
  // A copy of every rule of `other` (a grammar compiled on its own: a JSON schema, a regex),
  // returning its root, so one grammar can use another's language.
  Element embed(const Grammar& other);

  // Total size so far (elements over all alternatives), to refuse enormous grammars early.
  int64_t size() const { return size_; }

  Grammar build(int32_t root) &&;

 private:
  Grammar grammar_;
  std::vector<bool> defined_;
  int64_t size_ = 0;
};

}  // namespace gatehouse::grammar
