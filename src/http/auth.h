// Credentials in the Authorization header ("<scheme> <credentials>", RFC 9110 11.4), read the same
// way by every server: the API keys of `serve`, the mirror's tokens, the control plane's tokens.
// Pure functions; thread-safe.
#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>

#include "http/server.h"

namespace gatehouse::http {

// The credentials after one of `schemes` (compared case-insensitively, e.g. {"Token", "Bearer"})
// and one space; nullopt when the header is absent, names another scheme, or has no credentials.
// The view points into `request`.
std::optional<std::string_view> authorization_credentials(const Request& request,
                                                          std::initializer_list<std::string_view> schemes);

// Whether a and b are equal, in a time that depends only on their lengths (for comparing secrets).
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace gatehouse::http
