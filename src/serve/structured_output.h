// The output constraint a request asks for (structured output), as read from any of its forms:
// OpenAI's response_format, vLLM's structured_outputs and guided_* fields, TGI's grammar, and the
// JSON schema that tool_choice "required" or a named function implies. Plain data; the engine
// side compiles it.
#pragma once

#include <string>

namespace gatehouse::serve {

struct OutputConstraint {
  enum class Kind { json_schema, json_object, regex, choice, grammar };
  Kind kind = Kind::json_schema;
  // json_schema: the schema as JSON text; regex: the pattern; grammar: EBNF text; choice: a JSON
  // array of strings; json_object: empty.
  std::string spec;
};

}  // namespace gatehouse::serve
