// Percent-decoding (RFC 3986 2.1), the one implementation every server uses: the router's path
// parameters, form and query fields, the mirror's paths. '+' stays '+' (forms turn it into a space
// themselves). Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::http {

// nullopt for a malformed escape ('%' not followed by two hex digits).
std::optional<std::string> try_percent_decode(std::string_view text);

// Throws Error(invalid_argument) on a malformed escape, quoting (a printable form of) the text.
std::string percent_decode(std::string_view text);

}  // namespace gatehouse::http
