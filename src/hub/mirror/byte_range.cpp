#include "hub/mirror/byte_range.h"

#include <algorithm>
#include <optional>

namespace gatehouse::hub {
namespace {

// A position from a range-spec: RFC 9110 allows any number of digits, so a value past 2^64 - 1
// is still a well-formed position (far past any file's end), not a malformed one. `digits` keeps
// the exact value (leading zeros removed) for comparisons; `value` saturates at UINT64_MAX.
struct Position {
  std::string_view digits;
  uint64_t value = 0;
};

std::optional<Position> position(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  size_t first = std::min(text.find_first_not_of('0'), text.size() - 1);
  Position result{text.substr(first), 0};
  for (char c : result.digits) {
    uint64_t digit = uint64_t(c - '0');
    result.value = result.value > (UINT64_MAX - digit) / 10 ? UINT64_MAX : result.value * 10 + digit;
  }
  return result;
}

bool less(const Position& a, const Position& b) {
  if (a.digits.size() != b.digits.size()) return a.digits.size() < b.digits.size();
  return a.digits < b.digits;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_bytes_unit(std::string_view unit) {
  return unit.size() == 5 && std::equal(unit.begin(), unit.end(), "bytes", [](char a, char b) {
           return (a >= 'A' && a <= 'Z' ? char(a - 'A' + 'a') : a) == b;
         });
}

}  // namespace

RangeRequest parse_range_header(std::string_view header, uint64_t size) {
  header = trim(header);
  size_t equals = header.find('=');
  if (equals == std::string_view::npos || !is_bytes_unit(trim(header.substr(0, equals)))) return {};
  std::string_view spec = trim(header.substr(equals + 1));
  if (spec.find(',') != std::string_view::npos) return {};
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  std::string_view first = trim(spec.substr(0, dash)), last = trim(spec.substr(dash + 1));
  if (first.empty()) {  // "-n": the last n bytes
    std::optional<Position> suffix = position(last);
    if (!suffix) return {};
    if (suffix->value == 0 || size == 0) return {RangeKind::unsatisfiable, {}};
    uint64_t length = std::min(suffix->value, size);
    return {RangeKind::single, {size - length, length}};
  }
  std::optional<Position> start = position(first);
  std::optional<Position> end = last.empty() ? std::nullopt : position(last);
  if (!start || (!last.empty() && (!end || less(*end, *start)))) return {};  // invalid: the header is ignored
  if (start->value >= size) return {RangeKind::unsatisfiable, {}};
  uint64_t stop = std::min(end ? end->value : UINT64_MAX, size - 1);
  return {RangeKind::single, {start->value, stop - start->value + 1}};
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
