#include "tokenizer/models/vocabulary.h"

#include <boost/json.hpp>
#include <algorithm>

#include "base/error.h"

namespace gatehouse::tokenizer::models {

// Tokens are stored by id, so ids must be dense enough: a hostile file with one huge id must not
// make us allocate gigabytes. Real vocabularies are dense (0 to size - 1); this allows ids up to
// four times the number of entries, and any id below 2^20.
constexpr int64_t kAlwaysAllowedIds = int64_t(1) << 20;

Vocabulary::Vocabulary(const boost::json::value& vocab, const json::JsonPath& path) {
  const boost::json::object& entries = json::as_object(vocab, path);
  const int64_t id_limit = std::max(kAlwaysAllowedIds, 4 * static_cast<int64_t>(entries.size()));
  int64_t largest = -1;
  for (const auto& entry : entries) {
    int64_t id = json::as_int(entry.value(), path / entry.key());
    if (id < 0 || id >= id_limit) {
      throw Error(ErrorCode::invalid_argument, (path / entry.key()).str() + " is " + std::to_string(id) +
                                                   "; token ids of a vocabulary of " + std::to_string(entries.size()) +
                                                   " entries must be between 0 and " + std::to_string(id_limit - 1));
    }
    largest = std::max(largest, id);
  }
  tokens_.resize(size_t(largest + 1));
  present_.resize(size_t(largest + 1));
  for (const auto& entry : entries) {
    size_t id = size_t(entry.value().to_number<int64_t>());
    tokens_[id] = std::string(entry.key());
    present_[id] = true;
  }
  ids_.reserve(entries.size());
  // A duplicate id keeps the last token for id -> token, as HF's reversed map does; every token
  // still maps to its id.
  for (const auto& entry : entries) {
    size_t id = size_t(entry.value().to_number<int64_t>());
    if (tokens_[id] == std::string_view(entry.key())) {
      ids_.emplace(tokens_[id], uint32_t(id));
    } else {
      orphans_.emplace_back(entry.key());
    }
  }
  for (const std::string& orphan : orphans_) {
    ids_.emplace(orphan, uint32_t(entries.at(orphan).to_number<int64_t>()));
  }
}

uint32_t Vocabulary::require(std::string_view token, const json::JsonPath& field) const {
  if (auto id = find(token)) return *id;
  throw Error(ErrorCode::invalid_argument, field.str() + " is \"" + std::string(token) +
                                               "\", which is not in the vocabulary; add it to vocab or fix the field");
}

}  // namespace gatehouse::tokenizer::models
