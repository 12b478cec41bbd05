#include "tokenizer/chat_template/py_string.h"

#include <utf8proc.h>

#include <algorithm>

#include "base/error.h"
#include "base/unicode.h"
#include "base/utf8.h"
#include "tokenizer/chat_template/memory_budget.h"

namespace gatehouse::tokenizer::jinja::py {
namespace {

std::vector<char32_t> decode_all(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    int length = 1;
    out.push_back(utf8::decode(text, i, length));
    i += size_t(length);
  }
  return out;
}

bool is_cased(char32_t c) {
  auto category = utf8proc_category(utf8proc_int32_t(c));
  return category == UTF8PROC_CATEGORY_LU || category == UTF8PROC_CATEGORY_LL || category == UTF8PROC_CATEGORY_LT;
}

template <typename Map>
std::string map_chars(std::string_view text, Map map) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : decode_all(text)) utf8::append(out, map(c));
  return out;
}

char32_t to_upper(char32_t c) { return char32_t(utf8proc_toupper(utf8proc_int32_t(c))); }
char32_t to_lower(char32_t c) { return char32_t(utf8proc_tolower(utf8proc_int32_t(c))); }
char32_t to_title(char32_t c) { return char32_t(utf8proc_totitle(utf8proc_int32_t(c))); }

bool is_line_break(char32_t c) {
  return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
         c == 0x2028 || c == 0x2029;
}

}  // namespace

std::vector<size_t> boundaries(std::string_view text) {
  std::vector<size_t> out;
  for (size_t i = 0; i < text.size();) {
    out.push_back(i);
    i += size_t(utf8::sequence_length(static_cast<unsigned char>(text[i])));
  }
  out.push_back(text.size());
  return out;
}

size_t code_point_offset(std::string_view text, size_t index) {
  size_t at = 0;
  for (; index > 0 && at < text.size(); --index) at += size_t(utf8::sequence_length(static_cast<unsigned char>(text[at])));
  return std::min(at, text.size());
}

bool is_space(char32_t c) { return unicode::is_white_space(c) || (c >= 0x1C && c <= 0x1F); }

std::string strip(std::string_view text, const std::optional<std::string>& chars, Side side) {
  std::vector<char32_t> set;
  if (chars) set = decode_all(*chars);
  auto strippable = [&](char32_t c) { return chars ? std::find(set.begin(), set.end(), c) != set.end() : is_space(c); };
  std::vector<size_t> bounds = boundaries(text);
  std::vector<char32_t> cps = decode_all(text);
  size_t begin = 0, end = cps.size();
  if (side != Side::right) {
    while (begin < end && strippable(cps[begin])) ++begin;
  }
  if (side != Side::left) {
    while (end > begin && strippable(cps[end - 1])) --end;
  }
  return std::string(text.substr(bounds[begin], bounds[end] - bounds[begin]));
}

std::vector<std::string> split(std::string_view text, const std::optional<std::string>& separator,
                               int64_t maxsplit, bool from_right) {
  std::vector<std::string> parts;
  if (separator) {
    if (separator->empty()) throw Error(ErrorCode::invalid_argument, "empty separator");
    if (!from_right) {
      size_t start = 0;
      while (maxsplit < 0 || int64_t(parts.size()) < maxsplit) {
        size_t found = text.find(*separator, start);
        if (found == std::string_view::npos) break;
        parts.emplace_back(text.substr(start, found - start));
        start = found + separator->size();
      }
      parts.emplace_back(text.substr(start));
      return parts;
    }
    size_t end = text.size();
    while (maxsplit < 0 || int64_t(parts.size()) < maxsplit) {
      if (end < separator->size()) break;
      size_t found = text.rfind(*separator, end - separator->size());
      if (found == std::string_view::npos) break;
      parts.emplace_back(text.substr(found + separator->size(), end - found - separator->size()));
      end = found;
    }
    parts.emplace_back(text.substr(0, end));
    std::reverse(parts.begin(), parts.end());
    return parts;
  }
  // Whitespace split: runs of whitespace separate, leading and trailing whitespace is dropped;
  // once maxsplit is reached the rest is kept as is (stripped on the far side only).
  std::vector<size_t> bounds = boundaries(text);
  std::vector<char32_t> cps = decode_all(text);
  std::vector<std::pair<size_t, size_t>> words;  // code point ranges
  for (size_t i = 0; i < cps.size();) {
    while (i < cps.size() && is_space(cps[i])) ++i;
    if (i == cps.size()) break;
    size_t start = i;
    while (i < cps.size() && !is_space(cps[i])) ++i;
    words.emplace_back(start, i);
  }
  if (maxsplit >= 0 && int64_t(words.size()) > maxsplit + 1) {
    if (!from_right) {
      size_t last_start = words[size_t(maxsplit)].first;
      words.resize(size_t(maxsplit));
      size_t end = cps.size();
      while (end > last_start && is_space(cps[end - 1])) --end;
      words.emplace_back(last_start, end);
    } else {
      size_t keep = words.size() - size_t(maxsplit);
      size_t first_end = words[keep - 1].second;
      size_t begin = 0;
      while (begin < first_end && is_space(cps[begin])) ++begin;
      words.erase(words.begin(), words.begin() + long(keep));
      words.insert(words.begin(), {begin, first_end});
    }
  }
  for (auto [start, end] : words) parts.emplace_back(text.substr(bounds[start], bounds[end] - bounds[start]));
  return parts;
}

std::vector<std::string> splitlines(std::string_view text) {
  std::vector<std::string> lines;
  std::vector<size_t> bounds = boundaries(text);
  std::vector<char32_t> cps = decode_all(text);
  size_t start = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (!is_line_break(cps[i])) continue;
    lines.emplace_back(text.substr(bounds[start], bounds[i] - bounds[start]));
    if (cps[i] == '\r' && i + 1 < cps.size() && cps[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < cps.size()) lines.emplace_back(text.substr(bounds[start]));
  return lines;
}

std::string upper(std::string_view text) { return map_chars(text, to_upper); }
std::string lower(std::string_view text) { return map_chars(text, to_lower); }

std::string title(std::string_view text) {
  bool previous_cased = false;
  return map_chars(text, [&](char32_t c) {
    char32_t mapped = previous_cased ? to_lower(c) : to_title(c);
    previous_cased = is_cased(c);
    return mapped;
  });
}

std::string capitalize(std::string_view text) {
  bool first = true;
  return map_chars(text, [&](char32_t c) {
    char32_t mapped = first ? to_title(c) : to_lower(c);
    first = false;
    return mapped;
  });
}

std::string replace(std::string_view text, std::string_view old, std::string_view replacement, int64_t count) {
  BudgetedText out;  // an empty `old` or a long replacement multiplies the text
  if (old.empty()) {  // Python inserts the replacement before every character and at the end
    std::vector<size_t> bounds = boundaries(text);
    int64_t done = 0;
    for (size_t i = 0; i < bounds.size(); ++i) {
      if (count < 0 || done < count) {
        out += replacement;
        ++done;
      }
      if (i + 1 < bounds.size()) out += text.substr(bounds[i], bounds[i + 1] - bounds[i]);
    }
    return out.take();
  }
  size_t start = 0;
  for (int64_t done = 0; count < 0 || done < count; ++done) {
    size_t found = text.find(old, start);
    if (found == std::string_view::npos) break;
    out += text.substr(start, found - start);
    out += replacement;
    start = found + old.size();
  }
  out += text.substr(start);
  return out.take();
}

bool all_chars(std::string_view text, bool (*predicate)(char32_t)) {
  if (text.empty()) return false;
  for (char32_t c : decode_all(text)) {
    if (!predicate(c)) return false;
  }
  return true;
}

bool is_alpha(char32_t c) {
  auto category = utf8proc_category(utf8proc_int32_t(c));
  return category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO;
}

bool is_digit(char32_t c) {
  auto category = utf8proc_category(utf8proc_int32_t(c));
  return category == UTF8PROC_CATEGORY_ND;
}

bool is_alnum(char32_t c) {
  auto category = utf8proc_category(utf8proc_int32_t(c));
  return is_alpha(c) || category == UTF8PROC_CATEGORY_ND || category == UTF8PROC_CATEGORY_NL ||
         category == UTF8PROC_CATEGORY_NO;
}

namespace {

bool has_case(std::string_view text, bool want_lower) {
  bool any_cased = false;
  for (char32_t c : decode_all(text)) {
    auto category = utf8proc_category(utf8proc_int32_t(c));
    if (category == UTF8PROC_CATEGORY_LL) {
      if (!want_lower) return false;
      any_cased = true;
    } else if (category == UTF8PROC_CATEGORY_LU || category == UTF8PROC_CATEGORY_LT) {
      if (want_lower) return false;
      any_cased = true;
    }
  }
  return any_cased;
}

}  // namespace

bool is_lower(std::string_view text) { return has_case(text, true); }
bool is_upper(std::string_view text) { return has_case(text, false); }

}  // namespace gatehouse::tokenizer::jinja::py
