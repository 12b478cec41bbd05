#include "tokenizer/regex/pattern_json.h"

#include <boost/json.hpp>

#include "base/error.h"

namespace gatehouse::tokenizer {

// HF escapes a String pattern and compiles it like a Regex one.
Regex regex_from_pattern_json(const boost::json::value& value, const json::JsonPath& path) {
  const boost::json::object& pattern = json::as_object(value, path);
  const boost::json::value* literal = pattern.if_contains("String");
  const boost::json::value* regex = pattern.if_contains("Regex");
  if (pattern.size() != 1 || (!literal && !regex)) {
    throw Error(ErrorCode::invalid_argument, path.str() + " must be {\"String\": \"...\"} or {\"Regex\": \"...\"}");
  }
  std::string text(json::as_string(literal ? *literal : *regex, path / (literal ? "String" : "Regex")));
  try {
    return Regex(literal ? Regex::escape(text) : std::move(text));
  } catch (const Error& error) {
    throw Error(ErrorCode::invalid_argument, path.str() + " " + error.what());
  }
}

}  // namespace gatehouse::tokenizer
