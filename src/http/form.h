// Reading what HTML forms and curl send: application/x-www-form-urlencoded
// (query strings and bodies) and the text fields of multipart/form-data (RFC 7578). Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/server.h"

namespace gatehouse::http {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// "a=1&b=x+y" -> {a: "1", b: "x y"}: names and values percent-decoded, '+' as a space.
FormFields parse_urlencoded(std::string_view text);

// The fields of a form body by its Content-Type: urlencoded, multipart/form-data (file parts are
// read as text too) or, for APIs that also take JSON, nothing (empty). Throws invalid_argument for
// a multipart body without a boundary or with malformed parts.
FormFields parse_form_body(const Request& request);

// The first value of `name`, or nullptr.
const std::string* form_value(const FormFields& fields, std::string_view name);

// The first value of `name` in a query string, or "".
std::string query_value(std::string_view query, std::string_view name);

// Whether a flag's value says yes, as Python servers read them: "1", "true" or "True".
bool is_true_flag(std::string_view value);

}  // namespace gatehouse::http
