#include "tokenizer/decode_stream.h"

#include "base/error.h"
#include "tokenizer/tokenizer.h"

namespace gatehouse::tokenizer {
namespace {

bool ends_with_replacement(const std::string& text) { return text.ends_with("\xEF\xBF\xBD"); }

}  // namespace

std::optional<std::string> DecodeStream::step(uint32_t id) {
  ids_.push_back(id);
  std::string text = tokenizer_.decode(ids_, skip_special_tokens_);
  if (text.size() <= prefix_.size() || ends_with_replacement(text)) return std::nullopt;
  if (!text.starts_with(prefix_)) {
    // A decoder rewrote text already emitted; HF fails the same way (InvalidPrefix).
    throw Error(ErrorCode::internal, "streaming decode: the decoded prefix changed between steps");
  }
  std::string fresh = text.substr(prefix_.size());
  // Keep only the ids after the old prefix: they decode to the new prefix on their own.
  ids_.erase(ids_.begin(), ids_.begin() + long(prefix_index_));
  prefix_index_ = ids_.size();
  prefix_ = tokenizer_.decode(ids_, skip_special_tokens_);
  return fresh;
}

std::string DecodeStream::finish() {
  std::string text = tokenizer_.decode(ids_, skip_special_tokens_);
  std::string rest = text.size() > prefix_.size() ? text.substr(prefix_.size()) : std::string();
  ids_.clear();
  prefix_.clear();
  prefix_index_ = 0;
  return rest;
}

}  // namespace gatehouse::tokenizer
