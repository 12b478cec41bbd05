// The output constraint a request asks for (structured output), as read from any of its forms:
// OpenAI's response_format, vLLM's structured_outputs and guided_* fields, TGI's grammar, and the
// JSON schema that tool_choice "required" or a named function implies. Plain data; the engine
// side compiles it.
#pragma once

#include <boost/json/fwd.hpp>

#include <optional>
#include <string>

namespace gatehouse::api {
class RequestFields;
}

namespace gatehouse::serve {

struct OutputConstraint {
  enum class Kind { json_schema, json_object, regex, choice, grammar, structural_tag };
  Kind kind = Kind::json_schema;
  // json_schema: the schema as JSON text; regex: the pattern; grammar: EBNF text; choice: a JSON
  // array of strings; structural_tag: its JSON text (grammar/structural_tag.h); json_object: empty.
  std::string spec;
  std::string source = "structured_outputs";  // the request field it came from, for errors
};

// The structured output an OpenAI request asks for, from response_format (json_object,
// json_schema, structural_tag), structured_outputs (json, regex, choice, grammar, json_object,
// structural_tag) or the legacy
// guided_json / guided_regex / guided_choice / guided_grammar, or TGI's grammar object (which
// @huggingface/inference passes through); nullopt when none. More than one,
// or a malformed one, is an InvalidParameter naming the field.
std::optional<OutputConstraint> read_output_constraint(api::RequestFields& fields);
// TGI's parameters.grammar: {"type": "json", "value": <schema>} or {"type": "regex", "value": "..."}.
OutputConstraint tgi_output_constraint(const boost::json::value& grammar);

}  // namespace gatehouse::serve
