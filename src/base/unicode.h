// Unicode character predicates with the exact definitions Rust's standard library and `regex`
// crate use, so that tokenizer rules written against them (HF tokenizers) match.
#pragma once

namespace gatehouse::unicode {

// Rust char::is_whitespace: the White_Space property.
bool is_white_space(char32_t c);

// Rust regex `\w` (Unicode): Alphabetic, marks, decimal numbers, connector punctuation and the
// join controls. Approximated through general categories: L*, M*, Nd, Nl, Pc, U+200C, U+200D.
bool is_word_char(char32_t c);

}  // namespace gatehouse::unicode
