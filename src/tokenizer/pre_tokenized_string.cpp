#include "tokenizer/pre_tokenized_string.h"

namespace gatehouse::tokenizer {

void PreTokenizedString::split(const SplitFn& fn) {
  std::vector<Split> result;
  result.reserve(splits_.size());
  std::vector<NormalizedString> pieces;
  for (size_t i = 0; i < splits_.size(); ++i) {
    Split& split = splits_[i];
    if (split.tokens) {
      result.push_back(std::move(split));
      continue;
    }
    pieces.clear();
    fn(i, split.normalized, pieces);
    for (NormalizedString& piece : pieces) {
      if (!piece.empty()) result.push_back(Split{std::move(piece), std::nullopt});
    }
  }
  splits_ = std::move(result);
}

void PreTokenizedString::normalize(const std::function<void(NormalizedString&)>& fn) {
  for (Split& split : splits_) {
    if (!split.tokens) fn(split.normalized);
  }
}

// HF builds the list of (range, is_match) pieces that tile the text, then folds it per behavior
// (NormalizedString::split in tk/tokenizer/normalizer.rs). This does the same in one pass.
void split_by_matches(const NormalizedString& text, const std::vector<std::pair<size_t, size_t>>& matches,
                      SplitBehavior behavior, bool invert, std::vector<NormalizedString>& out) {
  const size_t size = text.size();
  if (size == 0) return;
  auto emit = [&](size_t begin, size_t end) {
    if (begin < end) out.push_back(text.slice(begin, end));
  };
  // The last piece kept but not yet emitted, for the behaviors that merge pieces.
  size_t held_begin = 0;
  size_t held_end = 0;
  bool holding = false;
  bool previous_match = false;
  auto piece = [&](size_t begin, size_t end, bool is_match) {
    if (invert) is_match = !is_match;
    switch (behavior) {
      case SplitBehavior::removed:
        if (!is_match) emit(begin, end);
        break;
      case SplitBehavior::isolated:
        emit(begin, end);
        break;
      case SplitBehavior::contiguous:
      case SplitBehavior::merged_with_previous: {
        bool merge = holding && (behavior == SplitBehavior::contiguous ? is_match == previous_match
                                                                       : is_match && !previous_match);
        if (merge) {
          held_end = end;
        } else {
          if (holding) emit(held_begin, held_end);
          held_begin = begin;
          held_end = end;
          holding = true;
        }
        break;
      }
      case SplitBehavior::merged_with_next:
        // A match joins the piece after it when that piece is not a match.
        if (is_match) {
          if (holding) emit(held_begin, held_end);
          held_begin = begin;
          held_end = end;
          holding = true;
        } else {
          emit(holding ? held_begin : begin, end);
          holding = false;
        }
        break;
    }
    previous_match = is_match;
  };

  size_t previous_end = 0;
  for (const auto& [begin, end] : matches) {
    if (previous_end != begin) piece(previous_end, begin, false);
    piece(begin, end, true);
    previous_end = end;
  }
  if (previous_end != size) piece(previous_end, size, false);
  if (holding) emit(held_begin, held_end);
}

}  // namespace gatehouse::tokenizer
