// A token <-> id table read from a tokenizer.json `vocab` object ({"token": id, ...}), shared by
// the BPE, WordPiece and WordLevel models. Ids may have holes, as in HF. Immutable after
// construction; thread-safe.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/json.h"

namespace gatehouse::tokenizer::models {

class Vocabulary {
 public:
  Vocabulary() = default;
  Vocabulary(const boost::json::value& vocab, const json::JsonPath& path);
  Vocabulary(const Vocabulary&) = delete;
  Vocabulary& operator=(const Vocabulary&) = delete;

  std::optional<uint32_t> find(std::string_view token) const {
    auto it = ids_.find(token);
    return it == ids_.end() ? std::nullopt : std::optional<uint32_t>(it->second);
  }
  std::optional<std::string_view> token(uint32_t id) const {
    if (id >= tokens_.size() || !present_[id]) return std::nullopt;
    return tokens_[id];
  }
  size_t size() const { return ids_.size(); }
  // One past the largest id.
  uint32_t id_limit() const { return uint32_t(tokens_.size()); }
  // The id of `token`, or an error saying the model's `field` names a token missing from vocab.
  uint32_t require(std::string_view token, const json::JsonPath& field) const;

 private:
  std::vector<std::string> tokens_;  // by id; keys of ids_ view into these strings
  std::vector<bool> present_;
  std::vector<std::string> orphans_;  // tokens sharing an id with another token
  std::unordered_map<std::string_view, uint32_t> ids_;
};

}  // namespace gatehouse::tokenizer::models
