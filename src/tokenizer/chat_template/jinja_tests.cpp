// Jinja2's tests (`x is defined`, `n is divisibleby 3`, ...), with Python's type rules: bool is a
// number, a dict is a sequence, undefined is iterable.
#include <array>
#include <cmath>

#include "base/error.h"
#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/py_string.h"

namespace gatehouse::tokenizer::jinja {
namespace {

using Test = bool (*)(const Value& subject, const CallArgs& args);

const Value& argument(const CallArgs& args, std::string_view test) {
  const Value* value = args.get(0, "other");
  if (!value) {
    throw Error(ErrorCode::invalid_argument, "test '" + std::string(test) + "' needs an argument");
  }
  return *value;
}

bool is_sequence(const Value& v) {
  return v.is_string() || v.is_list() || v.is_undefined() || (v.is_dict() && !v.as_dict().is_namespace);
}

bool same_as(const Value& a, const Value& b) {
  if (a.is_list() && b.is_list()) return &a.as_list() == &b.as_list();
  if (a.is_dict() && b.is_dict()) return &a.as_dict() == &b.as_dict();
  if (a.is_bool() != b.is_bool() || a.is_none() != b.is_none()) return false;
  if (a.type_name() != b.type_name()) return false;
  return equals(a, b);
}

int64_t integer_of(const Value& v, std::string_view test) {
  if (v.is_undefined()) undefined_error(v);
  if (v.is_int() || v.is_bool()) return v.is_int() ? v.as_int() : v.as_bool();
  throw Error(ErrorCode::invalid_argument, "test '" + std::string(test) + "' needs an integer, got " +
                                               std::string(v.type_name()));
}

bool compare_test(const Value& a, const Value& b, std::string_view op) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  if (op == "lt") return less_than(a, b);
  if (op == "le") return less_than(a, b) || equals(a, b);
  if (op == "gt") return less_than(b, a);
  return less_than(b, a) || equals(a, b);
}

const std::array<std::pair<std::string_view, Test>, 34> kTests = {{
    {"defined", [](const Value& v, const CallArgs&) { return !v.is_undefined(); }},
    {"undefined", [](const Value& v, const CallArgs&) { return v.is_undefined(); }},
    {"none", [](const Value& v, const CallArgs&) { return v.is_none(); }},
    {"boolean", [](const Value& v, const CallArgs&) { return v.is_bool(); }},
    {"true", [](const Value& v, const CallArgs&) { return v.is_bool() && v.as_bool(); }},
    {"false", [](const Value& v, const CallArgs&) { return v.is_bool() && !v.as_bool(); }},
    {"integer", [](const Value& v, const CallArgs&) { return v.is_int(); }},
    {"float", [](const Value& v, const CallArgs&) { return v.is_float(); }},
    {"number", [](const Value& v, const CallArgs&) { return v.is_int() || v.is_float() || v.is_bool(); }},
    {"string", [](const Value& v, const CallArgs&) { return v.is_string(); }},
    {"mapping", [](const Value& v, const CallArgs&) { return v.is_dict() && !v.as_dict().is_namespace; }},
    {"iterable", [](const Value& v, const CallArgs&) { return is_sequence(v); }},
    {"sequence", [](const Value& v, const CallArgs&) { return is_sequence(v); }},
    {"callable", [](const Value& v, const CallArgs&) { return v.is_callable(); }},
    {"escaped", [](const Value&, const CallArgs&) { return false; }},
    {"odd", [](const Value& v, const CallArgs&) { return integer_of(v, "odd") % 2 != 0; }},
    {"even", [](const Value& v, const CallArgs&) { return integer_of(v, "even") % 2 == 0; }},
    {"divisibleby", [](const Value& v, const CallArgs& a) {
       int64_t divisor = integer_of(argument(a, "divisibleby"), "divisibleby");
       if (divisor == 0) throw Error(ErrorCode::invalid_argument, "integer division or modulo by zero");
       return integer_of(v, "divisibleby") % divisor == 0;
     }},
    {"lower", [](const Value& v, const CallArgs&) { return py::is_lower(to_str(v)); }},
    {"upper", [](const Value& v, const CallArgs&) { return py::is_upper(to_str(v)); }},
    {"sameas", [](const Value& v, const CallArgs& a) { return same_as(v, argument(a, "sameas")); }},
    {"in", [](const Value& v, const CallArgs& a) { return contains(argument(a, "in"), v); }},
    {"equalto", [](const Value& v, const CallArgs& a) { return equals(v, argument(a, "equalto")); }},
    {"eq", [](const Value& v, const CallArgs& a) { return equals(v, argument(a, "eq")); }},
    {"==", [](const Value& v, const CallArgs& a) { return equals(v, argument(a, "==")); }},
    {"ne", [](const Value& v, const CallArgs& a) { return !equals(v, argument(a, "ne")); }},
    {"!=", [](const Value& v, const CallArgs& a) { return !equals(v, argument(a, "!=")); }},
    {"lt", [](const Value& v, const CallArgs& a) { return compare_test(v, argument(a, "lt"), "lt"); }},
    {"le", [](const Value& v, const CallArgs& a) { return compare_test(v, argument(a, "le"), "le"); }},
    {"gt", [](const Value& v, const CallArgs& a) { return compare_test(v, argument(a, "gt"), "gt"); }},
    {"ge", [](const Value& v, const CallArgs& a) { return compare_test(v, argument(a, "ge"), "ge"); }},
    {"lessthan", [](const Value& v, const CallArgs& a) { return compare_test(v, argument(a, "lt"), "lt"); }},
    {"greaterthan", [](const Value& v, const CallArgs& a) { return compare_test(v, argument(a, "gt"), "gt"); }},
    {"truthy", [](const Value& v, const CallArgs&) { return v.truthy(); }},  // select()'s default
}};

Test find(std::string_view name) {
  for (const auto& [test_name, test] : kTests) {
    if (test_name == name) return test;
  }
  return nullptr;
}

}  // namespace

bool has_test(std::string_view name) { return name != "truthy" && find(name) != nullptr; }

bool apply_test(std::string_view name, const Value& subject, const CallArgs& args) {
  Test test = find(name);
  if (!test) throw Error(ErrorCode::invalid_argument, "no test named '" + std::string(name) + "'");
  return test(subject, args);
}

}  // namespace gatehouse::tokenizer::jinja
