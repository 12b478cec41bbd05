#include "gateway/router/model_pattern.h"

namespace gatehouse::gateway {
namespace {

std::vector<std::string_view> split_stars(std::string_view pattern) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t star = pattern.find('*', start);
    parts.push_back(pattern.substr(start, star == std::string_view::npos ? std::string_view::npos : star - start));
    if (star == std::string_view::npos) return parts;
    start = star + 1;
  }
}

}  // namespace

std::optional<std::vector<std::string>> match_model_pattern(std::string_view pattern, std::string_view name) {
  const std::vector<std::string_view> parts = split_stars(pattern);
  if (parts.size() == 1) return pattern == name ? std::optional<std::vector<std::string>>(std::vector<std::string>{}) : std::nullopt;
  if (name.size() > kMaxPatternMatchBytes) return std::nullopt;
  const std::string_view first = parts.front(), last = parts.back();
  if (name.size() < first.size() + last.size() || !name.starts_with(first) || !name.ends_with(last)) return std::nullopt;
  const size_t begin = first.size(), end = name.size() - last.size();
  // The literal parts between stars, each placed as far right as it can go from the last one
  // back: that leaves the most to the stars on the left, as greedy (.*) groups take it.
  std::vector<size_t> at(parts.size(), 0);
  size_t limit = end;
  for (size_t i = parts.size() - 2; i >= 1; --i) {
    if (parts[i].size() > limit - begin) return std::nullopt;
    const size_t found = name.rfind(parts[i], limit - parts[i].size());
    if (found == std::string_view::npos || found < begin) return std::nullopt;
    at[i] = found;
    limit = found;
  }
  std::vector<std::string> captures;
  size_t from = begin;
  for (size_t i = 1; i + 1 < parts.size(); ++i) {
    captures.emplace_back(name.substr(from, at[i] - from));
    from = at[i] + parts[i].size();
  }
  captures.emplace_back(name.substr(from, end - from));
  return captures;
}

std::string upstream_model_for(std::string_view model_name, std::string_view model, std::string_view requested) {
  if (!is_model_pattern(model)) return std::string(model);
  const std::optional<std::vector<std::string>> captures = match_model_pattern(model_name, requested);
  if (!captures || captures->empty()) return std::string(model);
  std::string result(model);
  if (captures->size() > split_stars(model).size() - 1) return std::string(requested);
  size_t from = 0;
  for (const std::string& capture : *captures) {
    const size_t star = result.find('*', from);
    result.replace(star, 1, capture);
    from = star + capture.size();
  }
  return result;
}

}  // namespace gatehouse::gateway
