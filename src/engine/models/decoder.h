// The Llama-family decoder shared by every supported architecture: embeddings, N layers of
// (RMSNorm, attention with rotary embeddings and grouped-query heads over the paged KV cache,
// RMSNorm, SwiGLU MLP) with a float32 residual stream, a final RMSNorm and the LM head.
// forward() runs one scheduler step: any mix of prompt chunks and single decode tokens from many
// sequences, as one batch of rows through every matrix product. It runs on all threads of the
// pool and allocates nothing; the Workspace holds every buffer, sized once. The model is
// immutable after loading and may serve one forward() at a time per Workspace.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "engine/kv_cache.h"
#include "engine/loader/model_config.h"
#include "engine/ops/linear.h"
#include "engine/ops/rope.h"
#include "engine/ops/weight_store.h"

namespace gatehouse::engine {

class ThreadPool;

// One sequence's part of a step.
struct StepSequence {
  std::span<const int32_t> tokens;        // tokens whose keys and values this step computes
  int64_t start_position = 0;             // position of tokens[0]
  std::span<const int32_t> block_table;   // covers start_position + tokens.size() positions
  bool wants_logits = false;              // logits of the last token are needed
  bool scores_prompt = false;             // logits of every token are needed (prompt logprobs)
};

class DecoderModel {
 public:
  DecoderModel(const std::filesystem::path& folder, Quantization quantization, WeightPlacement placement,
               ThreadPool& pool);
  bool weights_resident() const { return weights_.resident(); }

  const ModelConfig& config() const { return config_; }
  KvCacheShape kv_shape(int64_t block_size) const;
  // Weight bytes one decode step reads (every layer and the LM head).
  int64_t weight_bytes() const;

  // Scratch for forward(), sized for a step of up to max_tokens rows, max_logits logits rows and
  // attention over up to max_context positions, on `threads` threads.
  class Workspace {
   public:
    Workspace(const DecoderModel& model, int64_t max_tokens, int64_t max_logits, int64_t max_context, int threads);
    // Row i: logits of the i-th sequence that wanted them in the last forward().
    const float* logits(int64_t row) const { return logits_.data() + row * vocab_; }
    float* mutable_logits(int64_t row) { return logits_.data() + row * vocab_; }

   private:
    friend class DecoderModel;
    int64_t max_tokens_, max_logits_, max_context_, vocab_;
    int64_t rows_ = 0;  // of the current step
    std::vector<float> hidden_, normed_, q_, k_, v_, attention_, projected_, gate_, up_, logits_;
    std::vector<float> cos_, sin_, scores_;
    std::vector<int64_t> position_, sequence_of_;
    std::vector<int64_t> logit_rows_;
    Activations model_input_, attention_input_, mlp_input_, head_input_;
  };

  // Computes the step; logits land in workspace.logits(0..k) for the k sequences that want them.
  void forward(std::span<const StepSequence> batch, KvCache& cache, Workspace& workspace, ThreadPool& pool) const;

 private:
  struct Layer {
    std::vector<float> input_norm, post_attention_norm, q_norm, k_norm;
    std::vector<float> q_bias, k_bias, v_bias;
    Linear q, k, v, o, gate, up, down;
  };

  void run_layer(const Layer& layer, int64_t index, std::span<const StepSequence> batch, KvCache& cache,
                 Workspace& ws, ThreadPool& pool, int thread) const;
  void attend(int64_t index, std::span<const StepSequence> batch, KvCache& cache, Workspace& ws, ThreadPool& pool,
              int thread, const Linear& output) const;
  void rms_norm_rows(const float* in, const std::vector<float>& weight, float* out, int64_t begin,
                     int64_t end, int64_t width) const;

  ModelConfig config_;
  WeightStore weights_;
  TensorView embedding_;  // unless embed_from_head_
  bool embed_from_head_ = false;
  std::vector<Layer> layers_;
  std::vector<float> final_norm_;
  Linear lm_head_;
  RotaryEmbedding rope_;
  bool qk_norm_ = false;
  int64_t attention_group_ = 1;  // heads per attention work item
};

}  // namespace gatehouse::engine
