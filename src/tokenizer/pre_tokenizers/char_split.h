// Splitting at single chars chosen by a predicate, HF's `impl Pattern for Fn(char) -> bool`: each
// char the predicate accepts is a match of its own. Also the char predicates HF's pre-tokenizers
// use, with the Rust definitions. Stateless; thread-safe.
#pragma once

#include <vector>

#include "tokenizer/pre_tokenized_string.h"
#include "tokenizer/regex/code_point.h"
#include "tokenizer/regex/splitters.h"

namespace gatehouse::tokenizer::pre_tokenizers {

// Appends the pieces of `text` to `out`; `scratch` is reused between calls to avoid allocating.
template <class Predicate>
void split_chars(const NormalizedString& text, Predicate is_match, SplitBehavior behavior,
                 regex::Matches& scratch, std::vector<NormalizedString>& out) {
  scratch.clear();
  const std::string& s = text.get();
  for (size_t pos = 0; pos < s.size();) {
    int length;
    char32_t c = regex::decode(s.data() + pos, length);
    if (is_match(c)) scratch.emplace_back(pos, pos + size_t(length));
    pos += size_t(length);
  }
  split_by_matches(text, scratch, behavior, false, out);
}

// Rust's is_ascii_punctuation || unicode_categories' is_punctuation (general category P*).
bool is_punctuation(char32_t c);
// Rust's char::is_numeric: general category Nd, Nl or No.
bool is_numeric(char32_t c);

}  // namespace gatehouse::tokenizer::pre_tokenizers
