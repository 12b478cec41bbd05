// Builds the syntax tree from tokens with Jinja2's grammar and operator precedence. Syntax errors
// are invalid_argument naming the line and what was expected; nesting is bounded so hostile
// templates cannot exhaust the stack.
#pragma once

#include <string_view>

#include "tokenizer/chat_template/ast.h"

namespace gatehouse::tokenizer::jinja {

Body parse(std::string_view source);

}  // namespace gatehouse::tokenizer::jinja
