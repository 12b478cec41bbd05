// The parsers make_tool_parser() knows, one file each. Each returns an immutable parser.
#pragma once

#include <memory>

#include "serve/tool_parsers/tool_parser.h"

namespace gatehouse::serve::tool_parsers {

std::unique_ptr<ToolParser> make_hermes_parser();
std::unique_ptr<ToolParser> make_llama3_json_parser();
std::unique_ptr<ToolParser> make_mistral_parser();
std::unique_ptr<ToolParser> make_pythonic_parser();

}  // namespace gatehouse::serve::tool_parsers
