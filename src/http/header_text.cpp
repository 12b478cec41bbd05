#include "http/header_text.h"

#include <strings.h>

#include <algorithm>

namespace gatehouse::http {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split_list(std::string_view list) {
  std::vector<std::string_view> elements;
  while (!list.empty()) {
    const size_t comma = std::min(list.find(','), list.size());
    if (std::string_view element = trim_ows(list.substr(0, comma)); !element.empty()) elements.push_back(element);
    list.remove_prefix(std::min(comma + 1, list.size()));
  }
  return elements;
}

}  // namespace gatehouse::http
