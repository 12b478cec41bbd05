// PostProcessor: adds special tokens around encoded sequences (TemplateProcessing, Bert, Roberta,
// ByteLevel offset trimming, Sequence). Like HF's process_encodings, each works on the list of
// encodings (one per sequence, or per template piece) so that a Sequence can chain them; process()
// then concatenates the result. Immutable and thread-safe.
#pragma once

#include <boost/json/fwd.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "base/json.h"
#include "tokenizer/encoding.h"

namespace gatehouse::tokenizer {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // How many tokens process() adds for a single sequence or a pair (with special tokens on).
  virtual size_t added_tokens(bool is_pair) const = 0;
  // Special tokens are inserted only when add_special_tokens is true.
  virtual std::vector<Encoding> process_encodings(std::vector<Encoding> encodings, bool add_special_tokens) const = 0;

  // Combines the encoding of the first sequence and optionally the second into the result.
  Encoding process(Encoding first, std::optional<Encoding> second, bool add_special_tokens) const;
};

// Default behaviour with no post-processor: concatenation, type id 1 for the second sequence.
Encoding default_process(Encoding first, std::optional<Encoding> second);

std::unique_ptr<PostProcessor> make_post_processor(const boost::json::value& config, const json::JsonPath& path);

}  // namespace gatehouse::tokenizer
