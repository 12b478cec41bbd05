// Rotary position embeddings the way transformers computes them for Llama-family models:
// inv_freq in float32 (with linear, dynamic-NTK or llama3 scaling), angles position * inv_freq in
// float32, and the rotate-half pairing (i, i + head_dim/2). Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/loader/model_config.h"

namespace gatehouse::engine {

class RotaryEmbedding {
 public:
  explicit RotaryEmbedding(const ModelConfig& config);

  int64_t half() const { return static_cast<int64_t>(inv_freq_.size()); }
  // cos and sin of `position`'s angles, half() values each.
  void angles(int64_t position, float* cos, float* sin) const;
  // Rotates one head vector in place with angles from angles().
  void rotate(float* head, const float* cos, const float* sin) const;

 private:
  std::vector<float> inv_freq_;
  std::vector<float> long_inv_freq_;  // dynamic scaling past max_position_embeddings
  int64_t max_position_embeddings_ = 0;
};

}  // namespace gatehouse::engine
