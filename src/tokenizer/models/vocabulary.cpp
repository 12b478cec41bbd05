#include "tokenizer/models/vocabulary.h"

#include <boost/json.hpp>

#include "base/error.h"

namespace gatehouse::tokenizer::models {

// A bound on ids keeps a hostile file from making us allocate gigabytes for one huge id.
constexpr int64_t kMaxId = int64_t(1) << 26;

Vocabulary::Vocabulary(const boost::json::value& vocab, const json::JsonPath& path) {
  const boost::json::object& entries = json::as_object(vocab, path);
  int64_t largest = -1;
  for (const auto& entry : entries) {
    int64_t id = json::as_int(entry.value(), path / entry.key());
    if (id < 0 || id >= kMaxId) {
      throw Error(ErrorCode::invalid_argument, (path / entry.key()).str() + " is " + std::to_string(id) +
                                                   "; token ids must be between 0 and " + std::to_string(kMaxId - 1));
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
