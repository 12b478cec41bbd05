// Resolves the --tokenizer argument of the tokenizer commands to a loaded Tokenizer.
#pragma once

#include <string>

#include "tokenizer/tokenizer.h"

namespace gatehouse::cli {

// `source` is a local folder holding tokenizer.json.
tokenizer::Tokenizer load_tokenizer(const std::string& source);

}  // namespace gatehouse::cli
