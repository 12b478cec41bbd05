// Regular expressions (the ECMAScript / Python subset JSON Schema "pattern", vLLM's "regex" and
// TGI's regex grammar use) compiled into grammar rules. Matching is of the whole text (as vLLM
// and JSON Schema generation use them: the output is the match); a leading ^ and trailing $ are
// accepted and mean nothing more. Unsupported constructs (backreferences, lookaround) and syntax
// errors are Error(invalid_argument) saying what and where.
#pragma once

#include <string_view>

#include "grammar/grammar.h"

namespace gatehouse::grammar {

// The pattern as one element of a grammar being built (rules are added to `builder`).
Element regex_element(GrammarBuilder& builder, std::string_view pattern);
// A grammar whose language is the pattern's full matches.
Grammar compile_regex(std::string_view pattern);

}  // namespace gatehouse::grammar
