#include "tokenizer/normalized_string.h"

#include <algorithm>

#include "base/error.h"
#include "base/utf8.h"

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
  piece.track_alignments_ = track_alignments_;
  if (!alignments_.empty()) {
    piece.alignments_.assign(alignments_.begin() + long(begin), alignments_.begin() + long(end));
  }
  return piece;
}

// HF's transform_range: walk the replaced chars in step with `changes`; a replacing char takes the
// alignment of the char it replaces, an inserted one that of the byte before it (in the old text).
void NormalizedString::transform(size_t begin, size_t end, const std::vector<CharChange>& changes,
                                 int initial_offset) {
  GH_CHECK(begin <= end && end <= normalized_.size());
  if (!track_alignments_) return transform_text(begin, end, changes);
  materialize_alignments();
  const std::string_view replaced(normalized_.data() + begin, end - begin);
  size_t cursor = 0;  // next unconsumed byte of `replaced`
  auto consume = [&](size_t count) {
    size_t bytes = 0;
    for (; count > 0 && cursor < replaced.size(); --count) {
      int length = 0;
      utf8::decode(replaced, cursor, length);
      cursor += size_t(length);
      bytes += size_t(length);
    }
    return bytes;
  };
  size_t offset = begin + consume(size_t(std::max(initial_offset, 0)));
  std::string text;
  std::vector<Offsets> alignments;
  text.reserve(replaced.size());
  alignments.reserve(replaced.size());
  for (const CharChange& change : changes) {
    Offsets align;
    if (change.change > 0) {
      align = offset == 0 ? Offsets{original_.begin, original_.begin} : alignments_[offset - 1];
    } else {
      GH_CHECK(offset < alignments_.size());
      align = alignments_[offset];
      offset += consume(1);
      if (change.change < 0) offset += consume(size_t(-change.change));
    }
    size_t before = text.size();
    utf8::append(text, change.ch);
    alignments.insert(alignments.end(), text.size() - before, align);
  }
  normalized_.replace(begin, end - begin, text);
  alignments_.erase(alignments_.begin() + long(begin), alignments_.begin() + long(end));
  alignments_.insert(alignments_.begin() + long(begin), alignments.begin(), alignments.end());
}

void NormalizedString::transform_text(size_t begin, size_t end, const std::vector<CharChange>& changes) {
  std::string text;
  text.reserve(normalized_.size() + changes.size());
  text.append(normalized_, 0, begin);
  for (const CharChange& change : changes) utf8::append(text, change.ch);
  text.append(normalized_, end, std::string::npos);
  normalized_ = std::move(text);
}

// HF aligns every byte of a char to the whole char's original range.
void NormalizedString::materialize_alignments() {
  if (!alignments_.empty() || normalized_.empty()) return;
  alignments_.reserve(normalized_.size());
  for (size_t i = 0; i < normalized_.size();) {
    size_t length = std::min<size_t>(utf8::sequence_length(uint8_t(normalized_[i])), normalized_.size() - i);
    Offsets range{original_.begin + uint32_t(i), original_.begin + uint32_t(i + length)};
    alignments_.insert(alignments_.end(), length, range);
    i += length;
  }
}


void NormalizedString::prepend(std::string_view text) {
  if (normalized_.empty() || text.empty()) return;
  int first_length = 0;
  char32_t first = utf8::decode(normalized_, 0, first_length);
  std::vector<CharChange> changes;
  for (size_t i = 0; i < text.size();) {
    int length = 0;
    char32_t ch = utf8::decode(text, i, length);
    changes.push_back({ch, changes.empty() ? 0 : 1});
    i += size_t(length);
  }
  changes.push_back({first, 1});
  transform(0, size_t(first_length), changes, 0);
}

void NormalizedString::append(std::string_view text) {
  if (normalized_.empty() || text.empty()) return;
  size_t last = normalized_.size() - 1;
  while (last > 0 && (uint8_t(normalized_[last]) & 0xC0) == 0x80) --last;
  int length = 0;
  std::vector<CharChange> changes{{utf8::decode(normalized_, last, length), 0}};
  for (size_t i = 0; i < text.size(); i += size_t(length)) changes.push_back({utf8::decode(text, i, length), 1});
  transform(last, normalized_.size(), changes, 0);
}

}  // namespace gatehouse::tokenizer
