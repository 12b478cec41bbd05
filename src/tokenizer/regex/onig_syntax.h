// Rewrites a regex written for Oniguruma (the engine HF tokenizers compiles tokenizer.json
// patterns with, Ruby syntax) into PCRE2 syntax that means the same under PCRE2_UTF | PCRE2_UCP.
// What differs and is rewritten: \s (Oniguruma adds U+0085), \w and \b (Alphabetic, marks,
// decimal digits, connector punctuation), \h (a hex digit), \v (a vertical tab), \uHHHH,
// Oniguruma's property and POSIX bracket names, nested classes and && intersections, `{,n}`,
// `X{n}+` / `X{n}?` (repeats of a repeat, not possessive / lazy), and (?m) (dot-all in Ruby).
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::tokenizer::regex {

// Throws Error(invalid_argument) for a malformed class or property; other syntax errors are left
// for PCRE2 to report.
std::string onig_to_pcre2(std::string_view pattern);

}  // namespace gatehouse::tokenizer::regex
