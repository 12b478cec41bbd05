// What a template can call without defining it: Jinja2's filters and tests, Python's methods on
// str, list and dict (with the list/dict mutators refused, as transformers' immutable sandbox
// does), attribute and item lookup with Jinja2's fallbacks, and the global functions. Every
// function is pure over its arguments; errors are invalid_argument with Python's wording.
#pragma once

#include <string_view>

#include "base/error.h"
#include "tokenizer/chat_template/value.h"

namespace gatehouse::tokenizer::jinja {

bool has_filter(std::string_view name);
Value apply_filter(std::string_view name, const Value& subject, const CallArgs& args);

bool has_test(std::string_view name);
bool apply_test(std::string_view name, const Value& subject, const CallArgs& args);

// `object.name`: a Python attribute (a bound method) first, then the dict entry; Undefined when
// neither exists. Throws when `object` itself is undefined.
Value get_attribute(const Value& object, std::string_view name);

// `object[key]`: the entry or element first, then the attribute named `key`.
Value get_item(const Value& object, const Value& key);

// The items a for loop or a filter walks: list elements, dict keys, string characters.
std::vector<Value> iterate(const Value& value);

// Python's len().
int64_t length(const Value& value);

// Python's `item in container`.
bool contains(const Value& container, const Value& item);

// Throws the UndefinedError Jinja2 raises when an undefined value is used.
[[noreturn]] void undefined_error(const Value& undefined);

// Checks that an argument has the expected kind, with Python's wording for the error.
const std::string& string_argument(const Value& value, std::string_view function);
int64_t int_argument(const Value& value, std::string_view function);

// What raise_exception() throws: the template's own message, reported without a line number.
class TemplateRaised : public Error {
 public:
  explicit TemplateRaised(const std::string& message) : Error(ErrorCode::invalid_argument, message) {}
};

// Jinja2's global functions: range, dict, namespace, joiner, cycler, raise_exception,
// strftime_now.
std::vector<std::pair<std::string, Value>> global_functions();

}  // namespace gatehouse::tokenizer::jinja
