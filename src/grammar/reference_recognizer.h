// A slow, plain Earley recognizer over a Grammar's bytes: the reference that tests hold the fast
// matcher and the compilers against. Correct for any grammar (left recursion included); costs
// O(n^3) in the worst case, so only for tests and short texts.
#pragma once

#include <memory>
#include <string_view>

#include "grammar/grammar.h"

namespace gatehouse::grammar {

// The same recognizer, fed a byte at a time. Its sets only grow, so a test can try a token and
// rewind to where it was.
class EarleyRecognizer {
 public:
  explicit EarleyRecognizer(const Grammar& grammar);
  ~EarleyRecognizer();
  // Consumes bytes; false once nothing survives (the input is no longer a viable prefix).
  bool feed(std::string_view bytes);
  // Whether the input so far is a sentence of the grammar.
  bool complete() const;
  size_t position() const;     // bytes consumed, if all were viable
  void rewind(size_t position);  // back to an earlier position()

 private:
  class Sets;
  std::unique_ptr<Sets> sets_;
};

// Whether the whole of `text` is in the grammar's language.
bool matches(const Grammar& grammar, std::string_view text);
// Whether `text` can be continued into a string of the language (every rule is assumed to match
// some string; a rule that matches nothing makes prefixes look viable).
bool is_viable_prefix(const Grammar& grammar, std::string_view text);

}  // namespace gatehouse::grammar
