// Each token id's bytes as the model means them, for matching generated output against a grammar
// byte by byte: byte-level BPE strings mapped back through GPT-2's alphabet, SentencePiece's "▁"
// as a space and its <0xNN> byte-fallback tokens as that byte, anything else as its UTF-8 text.
// Special added tokens (control tokens such as <|eot_id|>) are nullopt: they are never text.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace gatehouse::tokenizer {

class Tokenizer;

// Indexed by token id, vocab_size() entries.
std::vector<std::optional<std::string>> token_bytes(const Tokenizer& tokenizer);

}  // namespace gatehouse::tokenizer
