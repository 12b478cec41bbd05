#include "serve/structured_output.h"

#include <boost/json.hpp>

#include "api/request_fields.h"
#include "base/error.h"
#include "base/json.h"
#include "base/log.h"

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;

[[noreturn]] void invalid(const std::string& param, const std::string& message) { throw InvalidParameter(param, message); }

// A schema given as an object, or as JSON text (vLLM accepts both).
std::string schema_text(const bj::value& schema, const std::string& param) {
  if (schema.is_object() || schema.is_bool()) return bj::serialize(schema);
  if (schema.is_string()) {
    const std::optional<bj::value> parsed = json::try_parse(schema.get_string());
    if (!parsed || !(parsed->is_object() || parsed->is_bool())) invalid(param, "Invalid JSON grammar specification: " + param + " is not a JSON schema");
    return bj::serialize(*parsed);
  }
  invalid(param, param + " must be a JSON schema (an object, or its JSON text)");
}

std::string text(const bj::value& value, const std::string& param) {
  if (!value.is_string()) invalid(param, param + " must be a string");
  return std::string(value.get_string());
}

std::string choices(const bj::value& value, const std::string& param) {
  if (!value.is_array()) invalid(param, param + " must be an array of strings");
  if (value.get_array().empty()) invalid(param, "Choice '[]' cannot be an empty list");
  for (const bj::value& choice : value.get_array()) {
    if (!choice.is_string()) invalid(param, param + " must be an array of strings");
  }
  return bj::serialize(value);
}

// A structural tag as JSON text (vLLM's form) or as the object itself.
std::string structural_tag(const bj::value& value, const std::string& param) {
  if (value.is_object()) return bj::serialize(value);
  if (value.is_string()) {
    const std::optional<bj::value> parsed = json::try_parse(value.get_string());
    if (parsed && parsed->is_object()) return bj::serialize(*parsed);
  }
  invalid(param, "Invalid structural tag specification: " + param + ".structural_tag must be a JSON object or its JSON text");
}

std::optional<OutputConstraint> from_response_format(const bj::value& format) {
  const bj::object* object = format.if_object();
  const bj::value* type = object ? object->if_contains("type") : nullptr;
  if (!type || !type->is_string()) invalid("response_format", "response_format must be an object with a \"type\"");
  if (type->get_string() == "text") return std::nullopt;
  if (type->get_string() == "json_object") return OutputConstraint{OutputConstraint::Kind::json_object, "", "response_format"};
  if (type->get_string() == "json_schema") {
    const bj::value* spec = object->if_contains("json_schema");
    const bj::value* schema = spec && spec->is_object() ? spec->get_object().if_contains("schema") : nullptr;
    if (!schema || schema->is_null()) {
      invalid("response_format", "response_format of type json_schema needs json_schema.schema: You must use one kind of structured "
                                 "outputs constraint but none are specified");
    }
    return OutputConstraint{OutputConstraint::Kind::json_schema, schema_text(*schema, "response_format"), "response_format"};
  }
  // vLLM passes the whole object on as structured_outputs.structural_tag.
  if (type->get_string() == "structural_tag") return OutputConstraint{OutputConstraint::Kind::structural_tag, bj::serialize(format), "response_format"};
  invalid("response_format", "response_format type '" + std::string(type->get_string()) +
                                 "' is not supported by this server; use text, json_object, json_schema or structural_tag");
}

// vLLM's structured_outputs object: exactly one constraint; its whitespace and backend options
// are the server's to set, so they are accepted and ignored, as vLLM does.
std::optional<OutputConstraint> from_structured_outputs(const bj::value& value) {
  const std::string param = "structured_outputs";
  const bj::object* object = value.if_object();
  if (!object) invalid(param, "structured_outputs must be an object");
  std::optional<OutputConstraint> found;
  std::string kinds;
  auto take = [&](const char* key, OutputConstraint constraint) {
    kinds += (kinds.empty() ? "" : ", ") + std::string(key);
    found = std::move(constraint);
  };
  for (const auto& [key, field] : *object) {
    if (field.is_null()) continue;
    if (key == "json") take("json", {OutputConstraint::Kind::json_schema, schema_text(field, param), param});
    else if (key == "regex") take("regex", {OutputConstraint::Kind::regex, text(field, param), param});
    else if (key == "choice") take("choice", {OutputConstraint::Kind::choice, choices(field, param), param});
    else if (key == "grammar") take("grammar", {OutputConstraint::Kind::grammar, text(field, param), param});
    else if (key == "json_object" && field.is_bool() && field.get_bool()) take("json_object", {OutputConstraint::Kind::json_object, "", param});
    else if (key == "structural_tag") take("structural_tag", {OutputConstraint::Kind::structural_tag, structural_tag(field, param), param});
  }
  if (kinds.find(',') != std::string::npos) {
    invalid(param, "You can only use one kind of structured outputs constraint but multiple are specified: " + kinds);
  }
  if (!found) invalid(param, "You must use one kind of structured outputs constraint but none are specified");
  return found;
}

}  // namespace

std::optional<OutputConstraint> read_output_constraint(api::RequestFields& fields) {
  std::optional<OutputConstraint> found;
  auto add = [&](std::optional<OutputConstraint> constraint) {
    if (!constraint) return;
    if (found) {
      invalid(constraint->source, "You can only use one kind of structured outputs constraint but multiple are specified: " +
                                      found->source + " and " + constraint->source);
    }
    found = std::move(constraint);
  };
  if (const bj::value* format = fields.find("response_format")) add(from_response_format(*format));
  if (const bj::value* outputs = fields.find("structured_outputs")) add(from_structured_outputs(*outputs));
  // vLLM before 0.12: the same constraints as top-level fields.
  if (const bj::value* v = fields.find("guided_json")) add(OutputConstraint{OutputConstraint::Kind::json_schema, schema_text(*v, "guided_json"), "guided_json"});
  if (const bj::value* v = fields.find("guided_regex")) add(OutputConstraint{OutputConstraint::Kind::regex, text(*v, "guided_regex"), "guided_regex"});
  if (const bj::value* v = fields.find("guided_choice")) add(OutputConstraint{OutputConstraint::Kind::choice, choices(*v, "guided_choice"), "guided_choice"});
  if (const bj::value* v = fields.find("guided_grammar")) add(OutputConstraint{OutputConstraint::Kind::grammar, text(*v, "guided_grammar"), "guided_grammar"});
  // TGI's grammar, as @huggingface/inference sends it to an endpoint's /v1/completions.
  if (const bj::value* v = fields.find("grammar")) add(tgi_output_constraint(*v));
  // Backend and whitespace choices are the server's, as in vLLM.
  fields.find("guided_decoding_backend");
  fields.find("guided_whitespace_pattern");
  return found;
}

OutputConstraint tgi_output_constraint(const bj::value& grammar) {
  const std::string param = "grammar";
  const bj::object* object = grammar.if_object();
  const bj::value* type = object ? object->if_contains("type") : nullptr;
  const bj::value* value = object ? object->if_contains("value") : nullptr;
  if (!type || !type->is_string() || !value) invalid(param, "grammar must be {\"type\": \"json\" or \"regex\", \"value\": ...}");
  if (type->get_string() == "json") return {OutputConstraint::Kind::json_schema, schema_text(*value, param), param};
  if (type->get_string() == "regex") return {OutputConstraint::Kind::regex, text(*value, param), param};
  invalid(param, "grammar type '" + std::string(type->get_string()) + "' is not supported; use json or regex");
}

}  // namespace gatehouse::serve
