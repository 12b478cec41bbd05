// A slow, plain Earley recognizer over a Grammar's bytes: the reference that tests hold the fast
// matcher and the compilers against. Correct for any grammar (left recursion included); costs
// O(n^3) in the worst case, so only for tests and short texts.
#pragma once

#include <string_view>

#include "grammar/grammar.h"

namespace gatehouse::grammar {

// Whether the whole of `text` is in the grammar's language.
bool matches(const Grammar& grammar, std::string_view text);
// Whether `text` can be continued into a string of the language (every rule is assumed to match
// some string; a rule that matches nothing makes prefixes look viable).
bool is_viable_prefix(const Grammar& grammar, std::string_view text);

}  // namespace gatehouse::grammar
