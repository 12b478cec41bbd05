// A chat request's tools and tool_choice, read and checked as vLLM does: tool_choice defaults to
// "auto" when tools are given; the request's mistakes are 400s naming tool_choice or tools, in
// vLLM's words; tool_choice other than "none" needs the server's tool-call parser. Also the
// output constraint a forced call implies: a named function's parameters schema, or for
// "required" a schema of an array of {name, parameters} objects. Plain functions of the request.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>

#include "api/request_fields.h"
#include "serve/served_model.h"
#include "serve/structured_output.h"

namespace gatehouse::serve {

struct ToolChoice {
  enum class Mode { none, automatic, named, required };
  Mode mode = Mode::none;
  std::string function;  // named: the function's name
};

// Reads tool_choice from `fields` against `tools` (the request's tools as sent, or nullopt) and
// the server's flags. `tools` is dropped where the chat template must not see it: "required" with
// no tools (which reads as "none", as OpenAI does) and "none" with
// --exclude-tools-when-tool-choice-none.
ToolChoice read_tool_choice(api::RequestFields& fields, std::optional<boost::json::value>& tools, const ServedModel& model);

// The constraint of a named or "required" choice over the (checked) tools; nullopt otherwise.
// Throws InvalidParameter on tools when two tools define one $defs name differently.
std::optional<OutputConstraint> tool_choice_constraint(const ToolChoice& choice, const boost::json::value& tools);

}  // namespace gatehouse::serve
