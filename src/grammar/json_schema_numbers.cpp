// "integer" and "number": minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers, or
// draft 4's booleans) as exact decimal ranges; OpenAPI's int32/int64 formats as ranges on
// integers (float/double say nothing about the text); multipleOf only when it is 1 (an integer).
#include <cmath>
#include <tuple>

#include "grammar/decimal_range.h"
#include "grammar/json_schema_compiler.h"

namespace gatehouse::grammar {
namespace {

Decimal decimal_of(const bj::value& value, const std::string& path, std::string_view keyword) {
  if (value.is_int64()) return *Decimal::parse(std::to_string(value.get_int64()));
  if (value.is_uint64()) return *Decimal::parse(std::to_string(value.get_uint64()));
  if (value.is_double() && std::isfinite(value.get_double())) return Decimal::of(value.get_double());
  invalid_schema(path, std::string(keyword) + " must be a number");
}

// Keeps the stricter of `bound` and `candidate` (the smaller one for an upper bound).
void tighten(std::optional<DecimalBound>& bound, const DecimalBound& candidate, bool is_upper) {
  if (!bound) {
    bound = candidate;
    return;
  }
  int order = compare(candidate.value, bound->value);
  if (is_upper ? order < 0 : order > 0) bound = candidate;
  else if (order == 0) bound->exclusive = bound->exclusive || candidate.exclusive;
}

}  // namespace

Element JsonSchemaCompiler::numeric(const bj::object& schema, const std::string& path, bool integers_only) {
  if (const bj::value* multiple = schema.if_contains("multipleOf")) {
    if (!multiple->is_number() || multiple->to_number<double>() != 1.0) unsupported_keyword("multipleOf", path);
    integers_only = true;
  }
  std::optional<DecimalBound> lower, upper;
  for (auto [inclusive_keyword, exclusive_keyword, is_upper] :
       {std::tuple{"minimum", "exclusiveMinimum", false}, std::tuple{"maximum", "exclusiveMaximum", true}}) {
    std::optional<DecimalBound>& bound = is_upper ? upper : lower;
    const bj::value* inclusive = schema.if_contains(inclusive_keyword);
    const bj::value* exclusive = schema.if_contains(exclusive_keyword);
    if (inclusive) tighten(bound, {decimal_of(*inclusive, path, inclusive_keyword), false}, is_upper);
    if (exclusive && exclusive->is_bool()) {  // draft 4: the inclusive bound becomes exclusive
      if (exclusive->get_bool() && bound) bound->exclusive = true;
    } else if (exclusive) {
      tighten(bound, {decimal_of(*exclusive, path, exclusive_keyword), true}, is_upper);
    }
  }
  if (const bj::value* format = schema.if_contains("format")) {
    std::string_view name = format->is_string() ? std::string_view(format->get_string()) : std::string_view();
    if (integers_only && (name == "int32" || name == "int64")) {
      bool is_32 = name == "int32";
      tighten(lower, {*Decimal::parse(is_32 ? "-2147483648" : "-9223372036854775808"), false}, false);
      tighten(upper, {*Decimal::parse(is_32 ? "2147483647" : "9223372036854775807"), false}, true);
    } else if (name != "float" && name != "double" && !format_regex(name)) {  // a string format says nothing here
      unsupported_keyword("format", path, "with the value '" + std::string(name) + "' on a number");
    }
  }
  if (!lower && !upper) return integers_only ? any_integer() : any_number();
  std::optional<Element> element = decimal_in_range(builder_, lower, upper, integers_only);
  if (!element) unsatisfiable_schema(path, std::string("no ") + (integers_only ? "integer" : "number") + " lies within the bounds");
  return *element;
}

}  // namespace gatehouse::grammar
