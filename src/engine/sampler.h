// Turns one row of logits into the next token of one sequence, as vLLM (V1) does: the output
// constraint's mask (structured output), then logit_bias, then
// min_tokens masking of EOS and stop tokens, then repetition / frequency / presence penalties,
// then greedy argmax, or temperature, min_p, top_k and top_p followed by one uniform draw from
// the sequence's own random generator, walked over the kept tokens in token id order (seeded
// from SamplingParams::seed when given, so a seeded request is reproducible on every machine).
// Logprobs are those of the raw model output (log-softmax of the logits before any processing,
// vLLM's default "raw_logprobs").
// A Sampler belongs to one sequence; it is not thread-safe, and it keeps its scratch buffers so
// sampling does not allocate once warmed up.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/sampling_params.h"

namespace gatehouse::engine {

struct TokenLogprob {
  int32_t token = 0;
  float logprob = 0;
};

// logprob, rank and top are filled only when SamplingParams::logprobs is set (else 0, 0, empty).
struct SampledToken {
  int32_t token = 0;
  float logprob = 0;                // of the chosen token, raw
  int64_t rank = 0;                 // 1 for the most likely token (vLLM: count of logprobs >= it)
  std::vector<TokenLogprob> top;    // SamplingParams::logprobs entries, most likely first
};

class Sampler {
 public:
  // `stream` tells apart the n sequences of one request: their generators are seeded with
  // (seed, stream) so they differ from one another but each is reproducible.
  Sampler(const SamplingParams& params, std::vector<int32_t> eos_token_ids, uint64_t stream);

  // `logits` is the model's row for this sequence and is used as scratch (it is modified).
  // `prompt` and `output` are the sequence's tokens so far (for penalties and min_tokens); the
  // prompt stays the same between calls and the output only grows (if it shrinks, the counts are
  // rebuilt). Token ids outside [0, logits.size()) are ignored.
  // With an output constraint that allows no token, returns token kNoToken and draws nothing.
  SampledToken sample(std::span<float> logits, std::span<const int32_t> prompt,
                      std::span<const int32_t> output);
  static constexpr int32_t kNoToken = -1;
  // The raw logprob and rank of `token` in a row of logits, with the `top` most likely tokens
  // (prompt logprobs: how likely each prompt token was given the ones before it).
  SampledToken score(std::span<const float> logits, int32_t token, int64_t top);

 private:
  struct Candidate {
    float logit;  // after temperature
    int32_t token;
    float weight;  // exp(logit - max), unnormalized probability
  };
  static bool by_logit(const Candidate& a, const Candidate& b);  // most likely first

  // Masks the tokens the constraint does not allow; false when it allows none. `only_stops`:
  // every allowed token is an end-of-sequence or stop token.
  bool apply_constraint(std::span<float> logits, bool& only_stops);
  void apply_penalties(std::span<float> logits, std::span<const int32_t> prompt,
                       std::span<const int32_t> output);
  void count_tokens(size_t vocab, std::span<const int32_t> prompt,
                    std::span<const int32_t> output);
  int32_t sample_random(std::span<const float> logits);
  float kth_largest(std::span<const float> logits, size_t k);
  bool collect_candidates(std::span<const float> logits, float prefilter, float kth,
                          float max_logit, float log_min_p);
  int32_t sample_dense(std::span<const float> logits, float max_logit, float log_min_p,
                       float kth);
  int32_t sample_sorted_prefix(std::span<Candidate> candidates, double total_mass);
  int32_t draw_from(std::span<const Candidate> kept);
  double next_uniform();
  void fill_logprobs(std::span<const float> raw, SampledToken& out, int64_t top);

  SamplingParams params_;
  float temperature_ = 1;                        // clamped to vLLM's minimum of 0.01
  std::vector<int32_t> stop_ids_;                // EOS and stop_token_ids, for min_tokens
  std::vector<std::pair<int32_t, float>> bias_;  // logit_bias, one entry per token (last wins)
  std::array<uint64_t, 4> rng_{};                // xoshiro256** state
  bool penalized_ = false;                       // any penalty active
  std::unique_ptr<TokenConstraint> constraint_;  // from params.constraint
  std::vector<uint32_t> allowed_;                // its mask, one bit per token

  // Penalty bookkeeping, sized to the vocabulary on first use.
  std::vector<int32_t> output_counts_;
  std::vector<uint8_t> in_prompt_;
  std::vector<int32_t> output_distinct_;
  std::vector<int32_t> prompt_distinct_;
  size_t counted_output_ = 0;
  size_t counted_prompt_ = 0;
  bool prompt_counted_ = false;

  // Scratch reused between calls.
  std::vector<float> raw_;       // raw logits, when logprobs are asked for
  std::vector<float> weights_;   // exp(logit / T - max) per token
  std::vector<double> bucket_mass_;  // top_p over many tokens
  std::vector<float> heap_;
  std::vector<Candidate> candidates_;
  std::vector<TokenLogprob> top_heap_;
};

}  // namespace gatehouse::engine
