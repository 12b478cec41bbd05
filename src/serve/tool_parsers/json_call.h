// What vLLM's JSON-based parsers (hermes, llama3_json, mistral) take from one parsed call object
// {"name": ..., "arguments": ...}, shared by their non-streaming and streaming paths. Stateless.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "serve/tool_parsers/py_value.h"

namespace gatehouse::serve::tool_parsers {

// The "arguments" text of a call: json.dumps of the value, except that a string holding JSON
// stands for that JSON (some models write the arguments object as a string).
std::string arguments_text(const PyValue& arguments);

struct JsonCall {
  std::string name;
  std::optional<std::string> arguments;  // arguments_text of the first argument key present
};

// The call in `value`: nullopt unless it is an object whose "name" is a string (vLLM fails on a
// missing name with KeyError, and on another type when it builds the FunctionCall).
std::optional<JsonCall> json_call(const PyValue& value, std::span<const std::string_view> argument_keys);

}  // namespace gatehouse::serve::tool_parsers
