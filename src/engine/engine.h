// The inference engine's C++ API: load a checkpoint folder, add requests, call step() until the
// work is done, read each sequence's new tokens from what step() returns, cancel at any time.
// One step schedules (continuous batching over a paged KV cache with prefix caching), runs one
// forward pass of the whole batch on the thread pool, and samples every sequence that reached the
// end of its known tokens. Not thread-safe: one thread drives an Engine (the server runs it on a
// thread of its own and passes requests in through a queue).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/loader/generation_config.h"
#include "engine/loader/model_config.h"
#include "engine/ops/linear.h"
#include "engine/ops/weight_store.h"
#include "engine/sampling_params.h"
#include "engine/sequence.h"

namespace gatehouse::engine {

struct EngineOptions {
  int threads = 0;  // 0: one per core
  Quantization quantization = Quantization::none;
  WeightPlacement weights = WeightPlacement::automatic;
  int64_t block_size = 16;
  int64_t kv_cache_bytes = 0;   // 0: 4 GiB, or less when fewer blocks can ever be used
  int64_t max_model_len = 0;    // 0: max_position_embeddings, capped by the KV cache
  int64_t max_num_seqs = 256;
  int64_t max_num_batched_tokens = 2048;
  bool prefix_caching = true;
};

struct Request {
  std::string id;
  std::vector<int32_t> prompt;
  SamplingParams params;
};

// What one step did to one sequence.
struct SequenceUpdate {
  std::string request_id;
  int64_t index = 0;
  std::vector<int32_t> new_tokens;
  std::vector<SampledToken> new_logprobs;  // one per new token when params.logprobs is set
  // With params.prompt_logprobs, on sample 0's first token: entry i scores prompt token i + 1.
  std::vector<SampledToken> prompt_logprobs;
  FinishReason finish = FinishReason::none;
  std::optional<int32_t> stop_token;  // the stop_token_ids entry that finished it
  int64_t prompt_tokens = 0;
  int64_t cached_prompt_tokens = 0;  // taken from the prefix cache
  int64_t output_tokens = 0;
  std::chrono::steady_clock::time_point first_scheduled;  // the start of its first step
};

struct EngineStats {
  int64_t running = 0;
  int64_t waiting = 0;
  int64_t kv_blocks = 0;
  int64_t kv_blocks_used = 0;
  int64_t preemptions = 0;
  int64_t last_step_tokens = 0;  // tokens the last step computed
};

class Engine {
 public:
  Engine(const std::filesystem::path& folder, EngineOptions options);
  ~Engine();

  const ModelConfig& config() const;
  const GenerationConfig& generation_config() const { return generation_config_; }
  int64_t max_model_len() const { return max_model_len_; }
  int threads() const;
  bool weights_resident() const;
  int64_t weight_bytes() const;

  // Queues a request; throws invalid_argument for bad parameters, token ids outside the
  // vocabulary, a duplicate id, or a prompt that leaves no room below max_model_len.
  void add_request(Request request);
  // Runs one step; returns an update for every sequence that got tokens or finished.
  std::vector<SequenceUpdate> step();
  // Stops every sequence of a request now; its update (finish = abort) comes from the next step().
  void cancel(const std::string& request_id);
  // Ends one sequence of a request now, as finished by a stop (the caller matched a stop string in
  // its text); its blocks are freed at once and no further update comes for it.
  void stop_sequence(const std::string& request_id, int64_t index);
  bool has_unfinished() const;
  EngineStats stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  GenerationConfig generation_config_;
  int64_t max_model_len_ = 0;
};

}  // namespace gatehouse::engine
