// New ids for the calls a parser finds, as vLLM makes them. Thread-safe.
#pragma once

#include <string>

namespace gatehouse::serve::tool_parsers {

// "chatcmpl-tool-" + 32 random lowercase hex digits (vLLM's make_tool_call_id: uuid4().hex).
std::string make_tool_call_id();

// 9 random letters and digits: the only ids Mistral's tokenizers accept (MistralToolCall).
std::string make_mistral_tool_call_id();

}  // namespace gatehouse::serve::tool_parsers
