// Percent-encoding and decoding (RFC 3986 2.1), the one implementation every module uses: the
// router's path parameters, form and query fields, the mirror's paths, the Hub client's and the
// control-plane client's URLs. Decoding keeps '+' as '+' (forms turn it into a space themselves).
// Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::http {

// Python's urllib.parse.quote: keeps A-Za-z0-9 and "_.-~" (plus '/' when keep_slash) and writes
// every other byte as %XX (uppercase hex).
std::string percent_encode(std::string_view text, bool keep_slash);

// nullopt for a malformed escape ('%' not followed by two hex digits).
std::optional<std::string> try_percent_decode(std::string_view text);

// Throws Error(invalid_argument) on a malformed escape, quoting (a printable form of) the text.
std::string percent_decode(std::string_view text);

}  // namespace gatehouse::http
