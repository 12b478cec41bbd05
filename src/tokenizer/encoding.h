// The result of encoding one sequence (or a pair): ids and everything aligned with them.
// Offsets are byte ranges into the input text; special tokens get {0, 0}.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/normalized_string.h"

namespace gatehouse::tokenizer {

// A token produced by a model for one pre-token: offsets are bytes within that pre-token.
struct Token {
  uint32_t id;
  Offsets offsets;
};

struct Encoding {
  std::vector<uint32_t> ids;
  std::vector<uint32_t> type_ids;
  std::vector<std::string> tokens;
  std::vector<Offsets> offsets;
  std::vector<uint8_t> special_tokens_mask;
  std::vector<uint8_t> attention_mask;
  // Index of the pre-token (word) each token came from; -1 for special tokens.
  std::vector<int32_t> word_ids;

  size_t size() const { return ids.size(); }
  void reserve(size_t n);
  // Appends one token; keeps every vector the same length.
  void push(uint32_t id, std::string token, Offsets offsets, uint32_t type_id, bool special,
            int32_t word_id);
  // Appends all of `other`, every field.
  void append(const Encoding& other);
  void set_type_ids(uint32_t type_id);
};

}  // namespace gatehouse::tokenizer
