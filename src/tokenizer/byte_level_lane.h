// ByteLevelLane: the ids-only fast path for byte-level BPE tokenizers (GPT-2, Llama 3, Qwen,
// GPT-4o, DeepSeek). When the pre-tokenizer is a chain of regex Splits ending in ByteLevel, the
// pre-tokens are found as byte ranges of the normalized text and mapped to the byte-level alphabet
// in one reused buffer, instead of building a NormalizedString with alignments per pre-token.
// Ids are identical to the general pipeline (a unit test checks both on real tokenizers); offsets
// are not produced. Immutable after construction; thread-safe.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tokenizer/model.h"
#include "tokenizer/regex/regex.h"

namespace gatehouse::tokenizer {

class ByteLevelLane {
 public:
  // The lane for `pre_tokenizer` (tokenizer.json's object), or nullptr when its shape is not one
  // the lane reproduces exactly (then the general pipeline runs).
  static std::unique_ptr<ByteLevelLane> detect(const boost::json::value& pre_tokenizer);

  // Appends the model's ids for `text`, one normalized piece between added tokens; stops after
  // the pre-token that takes `ids` past `max_ids` (Tokenizer::encode_ids_within).
  void encode(std::string_view text, const Model& model, std::vector<uint32_t>& ids, size_t max_ids = SIZE_MAX) const;

 private:
  struct Stage {
    Regex regex;
    bool keep_gaps;  // Isolated keeps the text between matches; inverted Removed drops it
  };
  std::vector<Stage> stages_;
};

}  // namespace gatehouse::tokenizer
