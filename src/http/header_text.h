// Reading header text the same way everywhere in http/ (server, proxy, client, forms): ASCII
// case-insensitive comparison, optional whitespace (spaces and tabs) trimmed, comma-separated lists
// (RFC 9110 5.6.1). Pure functions.
#pragma once

#include <string_view>
#include <vector>

namespace gatehouse::http {

bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);
std::string_view trim_ows(std::string_view text);
// The list's elements, each trimmed; empty elements ("a,,b") are dropped.
std::vector<std::string_view> split_list(std::string_view list);

}  // namespace gatehouse::http
