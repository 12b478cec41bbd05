// One sequence being generated: its tokens (prompt, then output), how many of them have keys and
// values in the cache, its block table and its sampler. Owned by the Scheduler.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/sampler.h"

namespace gatehouse::engine {

// constraint: the output constraint allowed no token (a grammar no token of the vocabulary can
// continue); the output ends where it is.
enum class FinishReason { none, stop, length, abort, constraint };

struct Sequence {
  std::string request_id;
  int64_t index = 0;  // among the request's n
  uint64_t arrival = 0;
  std::shared_ptr<const SamplingParams> params;
  std::unique_ptr<Sampler> sampler;

  std::vector<int32_t> tokens;
  int64_t prompt_length = 0;
  int64_t computed = 0;         // leading tokens whose keys and values are in the cache
  int64_t cached_prompt = 0;    // prompt tokens taken from the prefix cache on admission
  std::vector<int32_t> blocks;  // block table
  int64_t registered_blocks = 0;
  uint64_t last_block_hash = 0;  // chain hash of block registered_blocks - 1
  FinishReason finish = FinishReason::none;
  std::optional<int32_t> stop_token;  // the stop_token_ids entry that ended it
  std::optional<std::chrono::steady_clock::time_point> first_scheduled;  // when it left the queue
  // With params->prompt_logprobs, for sample 0: entry i scores prompt token i + 1.
  std::vector<SampledToken> prompt_logprobs;

  std::span<const int32_t> prompt() const { return {tokens.data(), static_cast<size_t>(prompt_length)}; }
  std::span<const int32_t> output() const {
    return {tokens.data() + prompt_length, tokens.size() - static_cast<size_t>(prompt_length)};
  }
  int64_t output_length() const { return static_cast<int64_t>(tokens.size()) - prompt_length; }
  // Whether the prompt's logits are still to be scored (they are computed for every prompt row).
  bool scores_prompt() const {
    return params && params->prompt_logprobs && index == 0 && static_cast<int64_t>(prompt_logprobs.size()) < prompt_length - 1;
  }
};

}  // namespace gatehouse::engine
