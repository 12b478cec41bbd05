#include "serve/tool_parsers/json_call.h"

#include "serve/tool_parsers/py_json.h"

namespace gatehouse::serve::tool_parsers {

namespace {

const PyValue* member(const PyValue& object, std::string_view key) {
  for (const auto& [name, value] : object.members) {
    if (name == key) return &value;
  }
  return nullptr;
}

}  // namespace

std::string arguments_text(const PyValue& arguments) {
  if (arguments.kind == PyValue::Kind::string) {
    if (std::optional<PyValue> inner = json_loads(arguments.text)) return dumps(*inner);
  }
  return dumps(arguments);
}

std::optional<JsonCall> json_call(const PyValue& value, std::span<const std::string_view> argument_keys) {
  if (value.kind != PyValue::Kind::object) return std::nullopt;
  const PyValue* name = member(value, "name");
  if (!name || name->kind != PyValue::Kind::string) return std::nullopt;
  JsonCall call{name->text, std::nullopt};
  for (std::string_view key : argument_keys) {
    if (const PyValue* arguments = member(value, key)) {
      call.arguments = arguments_text(*arguments);
      break;
    }
  }
  return call;
}

}  // namespace gatehouse::serve::tool_parsers
