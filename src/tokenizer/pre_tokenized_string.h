// The text between normalization and the model: a list of splits (pre-tokens), each a
// NormalizedString that may already carry its tokens (added tokens do). Pre-tokenizers refine the
// splits; the model then tokenizes each split that has no tokens yet. Mirrors HF's
// PreTokenizedString (tk/tokenizer/pre_tokenizer.rs).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "tokenizer/encoding.h"
#include "tokenizer/normalized_string.h"

namespace gatehouse::tokenizer {

struct Split {
  NormalizedString normalized;
  // Set once the split is final (an added token, or after the model ran).
  std::optional<std::vector<Token>> tokens;
};

// How the matches of a pattern become splits (HF's SplitDelimiterBehavior).
enum class SplitBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

class PreTokenizedString {
 public:
  PreTokenizedString() = default;
  explicit PreTokenizedString(std::vector<Split> splits) : splits_(std::move(splits)) {}

  // Calls fn(split_index, text, out) for every split without tokens; the split is replaced by what
  // fn appends to `out`. Empty results are dropped.
  using SplitFn = std::function<void(size_t, const NormalizedString&, std::vector<NormalizedString>&)>;
  void split(const SplitFn& fn);

  // Applies fn to every split without tokens.
  void normalize(const std::function<void(NormalizedString&)>& fn);

  std::vector<Split>& splits() { return splits_; }
  const std::vector<Split>& splits() const { return splits_; }

 private:
  std::vector<Split> splits_;
};

// Splits `text` at `matches` (sorted, non-overlapping normalized byte ranges that are the
// pattern's hits) according to `behavior`; `invert` swaps hits and gaps first. Appends the
// non-empty pieces to `out`.
void split_by_matches(const NormalizedString& text, const std::vector<std::pair<size_t, size_t>>& matches,
                      SplitBehavior behavior, bool invert, std::vector<NormalizedString>& out);

}  // namespace gatehouse::tokenizer
