// Attribute, item and iteration semantics shared by the interpreter, filters and tests.
#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/methods.h"
#include "tokenizer/chat_template/py_string.h"

namespace gatehouse::tokenizer::jinja {

[[noreturn]] void undefined_error(const Value& undefined) {
  const std::string& hint = undefined.as_undefined().hint;
  throw Error(ErrorCode::invalid_argument, hint.empty() ? "undefined value" : hint);
}

const std::string& string_argument(const Value& value, std::string_view function) {
  if (value.is_undefined()) undefined_error(value);
  if (!value.is_string()) {
    throw Error(ErrorCode::invalid_argument, std::string(function) + "() argument must be str, not " +
                                                 std::string(value.type_name()));
  }
  return value.as_string();
}

int64_t int_argument(const Value& value, std::string_view function) {
  if (value.is_undefined()) undefined_error(value);
  if (value.is_bool()) return value.as_bool();
  if (!value.is_int()) {
    throw Error(ErrorCode::invalid_argument, std::string(function) + "() argument must be int, not " +
                                                 std::string(value.type_name()));
  }
  return value.as_int();
}

namespace {

std::string undefined_attribute_hint(const Value& object, std::string_view name) {
  // The hint is cut to 200 bytes anyway (Undefined); a long name is not copied whole to build it.
  if (name.size() > 256) name = name.substr(0, 256);
  if (object.is_none()) return "'None' has no attribute '" + std::string(name) + "'";
  return "'" + std::string(object.type_name()) + " object' has no attribute '" + std::string(name) + "'";
}

std::vector<Value> code_points(const std::string& text) {
  std::vector<Value> out;
  for (size_t i = 0; i < text.size();) {
    int length = 1;
    utf8::decode(text, i, length);
    out.emplace_back(text.substr(i, size_t(length)));
    i += size_t(length);
  }
  return out;
}

}  // namespace

Value get_attribute(const Value& object, std::string_view name) {
  if (object.is_undefined()) undefined_error(object);
  if (object.is_dict() && object.as_dict().is_namespace) {
    if (const Value* found = object.as_dict().find(name)) return *found;
  } else if (Value method = bound_method(object, name); !method.is_undefined()) {
    return method;
  } else if (object.is_dict()) {
    if (const Value* found = object.as_dict().find(name)) return *found;
  }
  return Undefined{undefined_attribute_hint(object, name)};
}

Value get_item(const Value& object, const Value& key) {
  if (object.is_undefined()) undefined_error(object);
  if (object.is_dict() && key.is_string()) {
    if (const Value* found = object.as_dict().find(key.as_string())) return *found;
  }
  if ((object.is_list() || object.is_string()) && (key.is_int() || key.is_bool())) {
    int64_t index = key.is_int() ? key.as_int() : key.as_bool();
    if (object.is_list()) {
      const auto& items = object.as_list().items;
      if (index < 0) index += int64_t(items.size());
      if (index >= 0 && index < int64_t(items.size())) return items[size_t(index)];
    } else {
      const std::string& text = object.as_string();
      if (index < 0) index += int64_t(utf8::count_code_points(text));
      size_t start = index >= 0 ? py::code_point_offset(text, size_t(index)) : text.size();
      if (start < text.size()) return text.substr(start, py::code_point_offset(std::string_view(text).substr(start), 1));
    }
    return Undefined{"'" + std::string(object.type_name()) + " object' has no element " + std::to_string(index)};
  }
  if (key.is_string()) return get_attribute(object, key.as_string());
  if (object.is_none()) return Undefined{"'None' has no attribute " + to_repr(key)};
  return Undefined{"'" + std::string(object.type_name()) + " object' has no attribute " + to_repr(key)};
}

std::vector<Value> iterate(const Value& value) {
  if (value.is_undefined()) return {};
  if (value.is_list()) return value.as_list().items;
  if (value.is_string()) return code_points(value.as_string());
  if (value.is_dict() && !value.as_dict().is_namespace) {
    std::vector<Value> keys;
    for (const auto& entry : value.as_dict().entries) keys.emplace_back(entry.first);
    return keys;
  }
  throw Error(ErrorCode::invalid_argument, "'" + std::string(value.type_name()) + "' object is not iterable");
}

int64_t length(const Value& value) {
  if (value.is_undefined()) return 0;
  if (value.is_string()) return int64_t(utf8::count_code_points(value.as_string()));
  if (value.is_list()) return int64_t(value.as_list().items.size());
  if (value.is_dict() && !value.as_dict().is_namespace) return int64_t(value.as_dict().entries.size());
  throw Error(ErrorCode::invalid_argument, "object of type '" + std::string(value.type_name()) + "' has no len()");
}

bool contains(const Value& container, const Value& item) {
  if (container.is_string()) {
    if (item.is_undefined()) undefined_error(item);
    if (!item.is_string()) {
      throw Error(ErrorCode::invalid_argument, "'in <string>' requires string as left operand, not " +
                                                   std::string(item.type_name()));
    }
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_dict() && !container.as_dict().is_namespace) {
    return item.is_string() && container.as_dict().find(item.as_string()) != nullptr;
  }
  if (container.is_list()) {
    for (const Value& element : container.as_list().items) {
      if (equals(element, item)) return true;
    }
    return false;
  }
  if (container.is_undefined()) return false;
  throw Error(ErrorCode::invalid_argument, "argument of type '" + std::string(container.type_name()) +
                                               "' is not iterable");
}

}  // namespace gatehouse::tokenizer::jinja
