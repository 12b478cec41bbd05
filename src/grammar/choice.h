// A choice among fixed strings (vLLM's structured_outputs.choice, formerly guided_choice): the
// output is exactly one of them, byte for byte.
#pragma once

#include <string>
#include <vector>

#include "grammar/grammar.h"

namespace gatehouse::grammar {

// A grammar whose language is exactly `choices`. An empty list is Error(invalid_argument).
Grammar compile_choice(const std::vector<std::string>& choices);

}  // namespace gatehouse::grammar
