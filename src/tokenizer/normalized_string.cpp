#include "tokenizer/normalized_string.h"

#include "base/error.h"

namespace gatehouse::tokenizer {

NormalizedString::NormalizedString(std::string text, uint32_t origin)
    : normalized_(std::move(text)), original_{origin, origin + uint32_t(normalized_.size())} {}

Offsets NormalizedString::original_offsets(size_t begin, size_t end) const {
  GH_CHECK(begin <= end && end <= normalized_.size());
  if (alignments_.empty()) return {original_.begin + uint32_t(begin), original_.begin + uint32_t(end)};
  if (begin == end) {
    if (begin < alignments_.size()) return {alignments_[begin].begin, alignments_[begin].begin};
    return {original_.end, original_.end};
  }
  return {alignments_[begin].begin, alignments_[end - 1].end};
}

NormalizedString NormalizedString::slice(size_t begin, size_t end) const {
  GH_CHECK(begin <= end && end <= normalized_.size());
  NormalizedString piece;
  piece.normalized_ = normalized_.substr(begin, end - begin);
  piece.original_ = original_offsets(begin, end);
  if (!alignments_.empty()) {
    piece.alignments_.assign(alignments_.begin() + long(begin), alignments_.begin() + long(end));
  }
  return piece;
}

void NormalizedString::materialize_alignments() {
  if (!alignments_.empty() || normalized_.empty()) return;
  alignments_.resize(normalized_.size());
  for (size_t i = 0; i < normalized_.size(); ++i) {
    alignments_[i] = {original_.begin + uint32_t(i), original_.begin + uint32_t(i) + 1};
  }
}

}  // namespace gatehouse::tokenizer
