// allow_patterns / ignore_patterns for snapshot downloads, with huggingface_hub's
// filter_repo_objects semantics: Python's fnmatch.fnmatchcase, where '*' also matches '/'.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::hub {

// fnmatch.fnmatchcase(name, pattern): '*' matches any run of characters ('/' included), '?' one
// character, "[seq]" / "[!seq]" a character in / not in seq (ranges like a-z; ']' first is literal;
// an unclosed '[' is literal). Case-sensitive; compares code points of UTF-8 text.
bool fnmatch_case(std::string_view name, std::string_view pattern);

// A pattern as filter_repo_objects uses it: '\\' becomes '/', and a trailing '/' gets '*' appended
// so "sub/" selects everything under sub/.
std::string normalize_pattern(std::string_view pattern);

// True when `path` matches at least one allow pattern (or allow_patterns is empty) and no ignore
// pattern. '\\' in `path` is read as '/'.
bool keep_file(std::string_view path, const std::vector<std::string>& allow_patterns,
               const std::vector<std::string>& ignore_patterns);

}  // namespace gatehouse::hub
