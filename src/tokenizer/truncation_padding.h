// tokenizer.json's "truncation" and "padding" sections, applied by encode exactly where HF applies
// them: truncation before the post-processor (leaving room for its special tokens), padding after.
// Overflowing pieces (HF's `overflowing`) are not kept.
#pragma once

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>

#include "base/json.h"
#include "tokenizer/encoding.h"

namespace gatehouse::tokenizer {

enum class Side { left, right };

struct Truncation {
  enum class Strategy { longest_first, only_first, only_second };
  Strategy strategy = Strategy::longest_first;
  Side direction = Side::right;
  size_t max_length = 512;

  // Cuts `first` (and `second`) so that together they hold at most max_length - `reserved` tokens.
  // Throws invalid_argument when the strategy cannot satisfy the limit, as HF does.
  void apply(Encoding& first, Encoding* second, size_t reserved) const;
};

struct Padding {
  std::optional<size_t> fixed_length;  // nullopt: BatchLongest (pad to the longest in a batch)
  Side direction = Side::right;
  size_t pad_to_multiple_of = 0;
  uint32_t pad_id = 0;
  uint32_t pad_type_id = 0;
  std::string pad_token = "[PAD]";

  // Pads to max(target, fixed_length) rounded up to pad_to_multiple_of.
  void apply(Encoding& encoding, size_t target) const;
};

// JSON null gives nullopt.
std::optional<Truncation> parse_truncation(const boost::json::value& config, const json::JsonPath& path);
std::optional<Padding> parse_padding(const boost::json::value& config, const json::JsonPath& path);

}  // namespace gatehouse::tokenizer
