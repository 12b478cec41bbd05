#include "serve/tool_choice.h"

#include <boost/json.hpp>

#include "base/error.h"
#include "base/json.h"

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;
using Mode = ToolChoice::Mode;

constexpr std::string_view kCorrectUsage = "Correct usage: `{\"type\": \"function\", \"function\": {\"name\": \"my_function\"}}`";

[[noreturn]] void invalid(const std::string& param, const std::string& message) { throw InvalidParameter(param, message); }

// A value as vLLM's messages print it (Python's str()): strings bare, null as None.
std::string shown(const bj::value* value) {
  if (!value || value->is_null()) return "None";
  if (value->is_string()) return std::string(value->get_string());
  return json::serialize(*value);
}

// The tools a request sends, checked as vLLM's ChatCompletionToolsParam reads them.
const bj::array& checked_tools(const bj::value& tools) {
  if (!tools.is_array()) invalid("tools", "tools must be an array of {\"type\": \"function\", \"function\": {...}} objects");
  const bj::array& list = tools.get_array();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = "tools[" + std::to_string(i) + "]";
    const bj::object* tool = list[i].if_object();
    const bj::value* type = tool ? tool->if_contains("type") : nullptr;
    if (!tool || (type && *type != "function")) {
      invalid("tools", at + ": only function tools ({\"type\": \"function\", \"function\": {\"name\": ...}}) are supported");
    }
    const bj::value* function = tool->if_contains("function");
    if (!function || !function->is_object()) invalid("tools", at + ".function must be an object");
    const bj::value* name = function->get_object().if_contains("name");
    if (!name || !name->is_string()) invalid("tools", at + ".function.name must be a string");
    const bj::value* parameters = function->get_object().if_contains("parameters");
    if (parameters && !parameters->is_null() && !parameters->is_object()) invalid("tools", at + ".function.parameters must be an object");
  }
  return list;
}

const bj::object& function_of(const bj::value& tool) { return tool.get_object().at("function").get_object(); }

// A tool's parameters schema; vLLM's stand-in when it has none.
bj::object parameters_of(const bj::object& function) {
  const bj::value* parameters = function.if_contains("parameters");
  if (parameters && parameters->is_object()) return parameters->get_object();
  return bj::object{{"type", "object"}, {"properties", bj::object{}}};
}

// The named function of an object tool_choice, checked in vLLM's order and words.
std::string named_function(const bj::object& choice, const bj::array& tools) {
  const bj::value* function = choice.if_contains("function");
  if (!function || !function->is_object()) {
    invalid("tool_choice", "Invalid value for `function`: `" + shown(function) + "` in `tool_choice`! " + std::string(kCorrectUsage));
  }
  const bj::value* name = function->get_object().if_contains("name");
  if (!name) invalid("tool_choice", "Expected field `name` in `function` in `tool_choice`! " + std::string(kCorrectUsage));
  if (!name->is_string() || name->get_string().empty()) {
    invalid("tool_choice", "Invalid `name` in `function`: `" + shown(name) + "` in `tool_choice`! " + std::string(kCorrectUsage));
  }
  for (const bj::value& tool : tools) {
    if (function_of(tool).at("name") == *name) return std::string(name->get_string());
  }
  invalid("tool_choice", "The tool specified in `tool_choice` does not match any of the specified `tools`");
}

// vLLM's words when the server cannot parse tool calls; a named choice prints as its pydantic model.
[[noreturn]] void refuse_without_parser(const ToolChoice& choice) {
  if (choice.mode == Mode::automatic) {
    invalid("tool_choice", "\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set");
  }
  const std::string value = choice.mode == Mode::required ? "required" : "function=FunctionName(name='" + choice.function + "') type='function'";
  invalid("tool_choice", "tool_choice=\"" + value + "\" requires --tool-call-parser to be set");
}

}  // namespace

ToolChoice read_tool_choice(api::RequestFields& fields, std::optional<bj::value>& tools, const ServedModel& model) {
  const bj::array* list = tools ? &checked_tools(*tools) : nullptr;
  const bj::value* given = fields.find("tool_choice");
  ToolChoice choice;
  if (!given) {
    choice.mode = list && !list->empty() ? Mode::automatic : Mode::none;
  } else if (*given == "none") {
    choice.mode = Mode::none;
  } else {
    if (!list) invalid("tool_choice", "When using `tool_choice`, `tools` must be set.");
    if (*given == "auto") {
      choice.mode = Mode::automatic;
    } else if (*given == "required") {
      choice.mode = list->empty() ? Mode::none : Mode::required;
      if (list->empty()) tools.reset();
    } else if (given->is_object()) {
      choice.mode = Mode::named;
      choice.function = named_function(given->get_object(), *list);
    } else {
      invalid("tool_choice",
              "Invalid value for `tool_choice`: " + shown(given) + "! Only named tools, \"none\", \"auto\" or \"required\" are supported.");
    }
  }
  if (choice.mode != Mode::none && !model.tool_parser) refuse_without_parser(choice);
  if (given && *given == "none" && model.exclude_tools_when_tool_choice_none) tools.reset();
  return choice;
}

std::optional<OutputConstraint> tool_choice_constraint(const ToolChoice& choice, const bj::value& tools) {
  if (choice.mode == Mode::named) {
    for (const bj::value& tool : tools.get_array()) {
      if (function_of(tool).at("name").get_string() == choice.function) return OutputConstraint{OutputConstraint::Kind::json_schema, json::serialize(parameters_of(function_of(tool))), "tool_choice"};
    }
  }
  if (choice.mode != Mode::required) return std::nullopt;
  // vLLM's get_json_schema_from_tools: each tool's $defs move to the root, where the refs into
  // them ("#/$defs/...") still point.
  bj::array alternatives;
  bj::object defs;
  for (const bj::value& tool : tools.get_array()) {
    const bj::object& function = function_of(tool);
    bj::object parameters = parameters_of(function);
    if (const bj::value* own = parameters.if_contains("$defs"); own && own->is_object()) {
      for (const auto& [name, schema] : own->get_object()) {
        if (const bj::value* known = defs.if_contains(name); known && *known != schema) {
          invalid("tools", "Tool definition '" + std::string(name) + "' has multiple schemas, which is not supported.");
        }
        defs[name] = schema;
      }
      parameters.erase("$defs");
    }
    alternatives.push_back(bj::object{
        {"properties", bj::object{{"name", bj::object{{"type", "string"}, {"enum", bj::array{function.at("name")}}}},
                                  {"parameters", std::move(parameters)}}},
        {"required", bj::array{"name", "parameters"}}});
  }
  bj::object schema{{"type", "array"}, {"minItems", 1}, {"items", bj::object{{"type", "object"}, {"anyOf", std::move(alternatives)}}}};
  if (!defs.empty()) schema["$defs"] = std::move(defs);
  return OutputConstraint{OutputConstraint::Kind::json_schema, json::serialize(schema), "tool_choice"};
}

}  // namespace gatehouse::serve
