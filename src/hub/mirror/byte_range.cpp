#include "hub/mirror/byte_range.h"

#include <charconv>
#include <optional>

namespace gatehouse::hub {
namespace {

std::optional<uint64_t> number(std::string_view text) {
  uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

RangeRequest parse_range_header(std::string_view header, uint64_t size) {
  header = trim(header);
  if (header.substr(0, 6) != "bytes=" || header.find(',') != std::string_view::npos) return {};
  std::string_view spec = trim(header.substr(6));
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  std::string_view first = trim(spec.substr(0, dash)), last = trim(spec.substr(dash + 1));
  if (first.empty()) {  // "-n": the last n bytes
    std::optional<uint64_t> suffix = number(last);
    if (!suffix) return {};
    if (*suffix == 0 || size == 0) return {RangeKind::unsatisfiable, {}};
    uint64_t length = std::min(*suffix, size);
    return {RangeKind::single, {size - length, length}};
  }
  std::optional<uint64_t> start = number(first);
  std::optional<uint64_t> end = last.empty() ? std::optional<uint64_t>(UINT64_MAX) : number(last);
  if (!start || !end || *end < *start) return {};
  if (*start >= size) return {RangeKind::unsatisfiable, {}};
  uint64_t stop = std::min(*end, size - 1);
  return {RangeKind::single, {*start, stop - *start + 1}};
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  size_t start = 0;
  while (start <= if_none_match.size()) {
    size_t comma = if_none_match.find(',', start);
    std::string_view candidate = trim(if_none_match.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (candidate == "*") return true;
    if (candidate.substr(0, 2) == "W/") candidate.remove_prefix(2);
    if (candidate.size() >= 2 && candidate.front() == '"' && candidate.back() == '"') candidate = candidate.substr(1, candidate.size() - 2);
    if (candidate == etag) return true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return false;
}

}  // namespace gatehouse::hub
