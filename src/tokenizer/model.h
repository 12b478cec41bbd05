// Model: turns one pre-token into tokens (BPE, WordPiece, Unigram, WordLevel) and owns the
// vocabulary. Built from tokenizer.json's "model". Immutable after construction and thread-safe
// (per-thread caches live inside implementations).
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "tokenizer/encoding.h"

namespace gatehouse::tokenizer {

class Model {
 public:
  virtual ~Model() = default;
  // Appends the tokens of `sequence` (offsets are bytes within `sequence`) to `out`.
  virtual void tokenize(std::string_view sequence, std::vector<Token>& out) const = 0;
  virtual std::optional<uint32_t> token_to_id(std::string_view token) const = 0;
  // The token string of `id`, or nullopt when out of range.
  virtual std::optional<std::string_view> id_to_token(uint32_t id) const = 0;
  // Number of entries in the vocabulary (HF's get_vocab_size(), without added tokens).
  virtual size_t vocab_size() const = 0;
};

std::unique_ptr<Model> make_model(const boost::json::value& config, const json::JsonPath& path);

}  // namespace gatehouse::tokenizer
