#include "tokenizer/encoding.h"

namespace gatehouse::tokenizer {

void Encoding::reserve(size_t n) {
  ids.reserve(n);
  type_ids.reserve(n);
  tokens.reserve(n);
  offsets.reserve(n);
  special_tokens_mask.reserve(n);
  attention_mask.reserve(n);
  word_ids.reserve(n);
}

void Encoding::push(uint32_t id, std::string token, Offsets token_offsets, uint32_t type_id,
                    bool special, int32_t word_id) {
  ids.push_back(id);
  type_ids.push_back(type_id);
  tokens.push_back(std::move(token));
  offsets.push_back(token_offsets);
  special_tokens_mask.push_back(special ? 1 : 0);
  attention_mask.push_back(1);
  word_ids.push_back(word_id);
}

void Encoding::append(const Encoding& other) {
  ids.insert(ids.end(), other.ids.begin(), other.ids.end());
  type_ids.insert(type_ids.end(), other.type_ids.begin(), other.type_ids.end());
  tokens.insert(tokens.end(), other.tokens.begin(), other.tokens.end());
  offsets.insert(offsets.end(), other.offsets.begin(), other.offsets.end());
  special_tokens_mask.insert(special_tokens_mask.end(), other.special_tokens_mask.begin(),
                             other.special_tokens_mask.end());
  attention_mask.insert(attention_mask.end(), other.attention_mask.begin(), other.attention_mask.end());
  word_ids.insert(word_ids.end(), other.word_ids.begin(), other.word_ids.end());
}

void Encoding::set_type_ids(uint32_t type_id) { type_ids.assign(ids.size(), type_id); }

}  // namespace gatehouse::tokenizer
