// What a request asks of generation, with vLLM's names, defaults and meanings. Plain data (the
// constraint's factory is shared, immutable);
// validate() throws invalid_argument naming the offending parameter.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/token_constraint.h"

namespace gatehouse::engine {

struct SamplingParams {
  int64_t n = 1;                     // sequences per prompt (they share the prompt's KV blocks)
  double temperature = 1.0;          // below 1e-5 means greedy
  int64_t top_k = 0;                 // 0 or -1: off
  double top_p = 1.0;                // (0, 1]
  double min_p = 0.0;                // [0, 1]
  double repetition_penalty = 1.0;   // > 0; prompt and output tokens (as transformers/vLLM)
  double frequency_penalty = 0.0;    // [-2, 2]; output tokens only
  double presence_penalty = 0.0;     // [-2, 2]; output tokens only
  std::optional<uint64_t> seed;      // reproducible sampling when set
  std::optional<int64_t> logprobs;   // number of top logprobs per output token (0..20)
  std::optional<int64_t> prompt_logprobs;  // the same for each prompt token after the first (0..20)
  int64_t max_tokens = 16;           // >= 1
  int64_t min_tokens = 0;            // EOS and stop tokens are masked until this many
  bool ignore_eos = false;
  std::vector<int32_t> stop_token_ids;
  std::vector<std::pair<int32_t, float>> logit_bias;  // added to the raw logits
  std::shared_ptr<const TokenConstraintFactory> constraint;  // structured output; null: none

  void validate(int64_t vocab_size) const;
  bool greedy() const { return temperature < 1e-5; }
};

}  // namespace gatehouse::engine
