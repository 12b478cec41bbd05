// GPT-2's byte-level alphabet: every byte 0..255 is shown as one printable Unicode character
// (printable Latin-1 bytes as themselves, the others as U+0100 onwards), so byte-level BPE
// vocabularies are plain strings. Used by the ByteLevel pre-tokenizer, normalizer and decoder.
// Constant tables; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace gatehouse::tokenizer::byte_level {

// GPT-2's split pattern, which ByteLevel applies itself when use_regex is true.
inline constexpr std::string_view kGpt2Pattern =
    R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)re";

// The character that stands for `byte`.
char32_t char_of_byte(uint8_t byte);
// The same character, UTF-8 encoded (2 bytes at most).
std::string_view utf8_of_byte(uint8_t byte);
// The byte a character stands for, or nullopt when it is not in the alphabet.
std::optional<uint8_t> byte_of_char(char32_t ch);

}  // namespace gatehouse::tokenizer::byte_level
