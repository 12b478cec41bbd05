// Building the change list of a NormalizedString::transform one input char at a time, with HF's
// conventions: a kept or replaced char is change 0, an inserted one +1, and a removed input char
// is charged to the previous output char (or to the initial offset before any output).
// Also the per-char rules shared by several normalizers. Not thread-safe; use one per call.
#pragma once

#include <vector>

#include "tokenizer/normalized_string.h"
#include "tokenizer/normalizers/builders.h"
#include "tokenizer/regex/code_point.h"

namespace gatehouse::tokenizer::normalizers {

class CharEdits {
 public:
  void replace(char32_t c) { changes_.push_back({c, 0}); }
  void insert(char32_t c) { changes_.push_back({c, 1}); }
  void remove(int count = 1) {
    if (changes_.empty()) {
      initial_offset_ += count;
    } else if (changes_.back().change > 0) {
      changes_.back().change = 1 - count;  // an inserted char cannot also remove: it takes their place
    } else {
      changes_.back().change -= count;
    }
  }
  // One input char became `output` (UTF-8, possibly empty or several chars).
  void rewrite(std::string_view output, int input_chars = 1);
  void apply(NormalizedString& text) const { text.transform(changes_, initial_offset_); }

 private:
  std::vector<CharChange> changes_;
  int initial_offset_ = 0;
};

// Calls fn(c) for each char of valid UTF-8 `text`.
template <class Fn>
void for_each_char(std::string_view text, Fn&& fn) {
  for (size_t pos = 0; pos < text.size();) {
    int length;
    char32_t c = regex::decode(text.data() + pos, length);
    fn(c);
    pos += size_t(length);
  }
}

// Rust's char::to_lowercase, which may give two chars (U+0130). Appends to `out`.
void append_lowercase(char32_t c, std::u32string& out);

// Unicode normalization of `text` in place, keeping alignments (NFC, NFD, NFKC or NFKD).
void normalize_unicode(NormalizedString& text, UnicodeForm form);

// Removes nonspacing marks (general category Mn), as StripAccents and BertNormalizer do after NFD.
void strip_marks(NormalizedString& text);
// Lowercases every char (Lowercase, BertNormalizer).
void lowercase(NormalizedString& text);

}  // namespace gatehouse::tokenizer::normalizers
