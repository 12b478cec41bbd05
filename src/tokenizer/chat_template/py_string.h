// Python's str operations on UTF-8 text, as chat templates call them (message.content.strip(),
// split('</think>', 1), title(), ...): code-point based, with Python's definitions of whitespace,
// line boundaries and case. Case mapping is the simple one-to-one Unicode mapping.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::tokenizer::jinja::py {

enum class Side { both, left, right };

// The byte offset where each code point starts, then the text's size.
std::vector<size_t> boundaries(std::string_view text);
// The byte offset where code point `index` starts (the text's size past the end), found by walking
// from the start without a table.
size_t code_point_offset(std::string_view text, size_t index);

// str.strip / lstrip / rstrip; `chars` absent means whitespace.
std::string strip(std::string_view text, const std::optional<std::string>& chars, Side side);

// str.split / rsplit; `separator` absent splits on runs of whitespace. maxsplit < 0 is unlimited.
// An empty separator is an error ("empty separator").
std::vector<std::string> split(std::string_view text, const std::optional<std::string>& separator,
                               int64_t maxsplit, bool from_right);

// str.splitlines (keepends=False).
std::vector<std::string> splitlines(std::string_view text);

std::string upper(std::string_view text);
std::string lower(std::string_view text);
std::string title(std::string_view text);
std::string capitalize(std::string_view text);

// str.replace with a count (< 0: all).
std::string replace(std::string_view text, std::string_view old, std::string_view replacement, int64_t count);

bool is_space(char32_t c);

// The predicates behind str.isspace/isalpha/isdigit/isalnum/islower/isupper.
bool all_chars(std::string_view text, bool (*predicate)(char32_t));
bool is_alpha(char32_t c);
bool is_digit(char32_t c);
bool is_alnum(char32_t c);
// str.islower / str.isupper: at least one cased character and no cased character of the other case.
bool is_lower(std::string_view text);
bool is_upper(std::string_view text);

}  // namespace gatehouse::tokenizer::jinja::py
