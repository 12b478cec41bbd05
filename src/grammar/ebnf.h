// Grammars written as text, as vLLM's structured_outputs.grammar (formerly guided_grammar) takes
// them. xgrammar's EBNF dialect (GBNF-like): rules `name ::= expr` that may span lines (a rule
// ends where the next `name ::=` starts), entry rule `root`, "strings" with escapes, [classes]
// with ranges, negation, escapes and UTF-8, rule references, ( ) groups, |, postfix * + ? {m}
// {m,} {m,n}, `Regex("...")`, and # comments. A lookahead `(= ...)` closing a rule is checked and
// ignored (the grammar then accepts a superset). When no line has `::=` (vLLM's test), the text
// is read as a Lark subset: `name: expr` with `|` continuation lines, entry rule `start` or else
// the first rule, "strings" or 'strings', "a".."z" ranges, /regex/ terminals, [optional], ( ),
// ? * +, `~ n` and `~ n..m`, `-> alias`, ?rule / !rule / NAME.priority prefixes, and // or #
// comments; directives (%import, %ignore) are refused.
// Errors are Error(invalid_argument) with the line, the column and what was expected.
#pragma once

#include <string_view>

#include "grammar/grammar.h"

namespace gatehouse::grammar {

Grammar compile_ebnf(std::string_view text);

}  // namespace gatehouse::grammar
