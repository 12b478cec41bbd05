#include "engine/ops/rope.h"

#include <cmath>
#include <numbers>

namespace gatehouse::engine {
namespace {

std::vector<float> base_inv_freq(double theta, int64_t head_dim) {
  std::vector<float> inv_freq(head_dim / 2);
  for (int64_t i = 0; i < head_dim / 2; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(head_dim);
    inv_freq[i] = 1.0f / std::pow(static_cast<float>(theta), exponent);
  }
  return inv_freq;
}

// transformers' _compute_llama3_parameters.
void apply_llama3(const RopeScaling& scaling, std::vector<float>& inv_freq) {
  const double old_context = static_cast<double>(scaling.original_max_position_embeddings);
  const double low_freq_wavelen = old_context / scaling.low_freq_factor;
  const double high_freq_wavelen = old_context / scaling.high_freq_factor;
  for (float& freq : inv_freq) {
    const float wavelen = 2 * std::numbers::pi_v<float> / freq;
    if (wavelen > low_freq_wavelen) {
      freq = static_cast<float>(freq / scaling.factor);
    } else if (wavelen >= high_freq_wavelen) {
      const float smooth = static_cast<float>((old_context / wavelen - scaling.low_freq_factor) /
                                              (scaling.high_freq_factor - scaling.low_freq_factor));
      freq = (1 - smooth) * static_cast<float>(freq / scaling.factor) + smooth * freq;
    }
  }
}

}  // namespace

RotaryEmbedding::RotaryEmbedding(const ModelConfig& config)
    : inv_freq_(base_inv_freq(config.rope_theta, config.head_dim)),
      max_position_embeddings_(config.max_position_embeddings) {
  const RopeScaling& scaling = config.rope_scaling;
  switch (scaling.type) {
    case RopeScaling::Type::none: break;
    case RopeScaling::Type::linear:
      for (float& freq : inv_freq_) freq = static_cast<float>(freq / scaling.factor);
      break;
    case RopeScaling::Type::llama3: apply_llama3(scaling, inv_freq_); break;
    case RopeScaling::Type::dynamic: {
      // Within max_position_embeddings transformers uses the plain frequencies. Past it, its base
      // grows with the sequence, which a KV cache cannot follow; we fix the base at its value for
      // factor * max_position_embeddings, as vLLM does.
      const double d = static_cast<double>(config.head_dim);
      const double base = config.rope_theta * std::pow(scaling.factor * scaling.factor - (scaling.factor - 1), d / (d - 2));
      long_inv_freq_ = base_inv_freq(base, config.head_dim);
      break;
    }
  }
}

void RotaryEmbedding::angles(int64_t position, float* cos, float* sin) const {
  const auto& freqs = (!long_inv_freq_.empty() && position >= max_position_embeddings_) ? long_inv_freq_ : inv_freq_;
  const float p = static_cast<float>(position);
  for (size_t i = 0; i < freqs.size(); ++i) {
    const float angle = p * freqs[i];
    cos[i] = std::cos(angle);
    sin[i] = std::sin(angle);
  }
}

void RotaryEmbedding::rotate(float* head, const float* cos, const float* sin) const {
  const int64_t h = half();
  for (int64_t i = 0; i < h; ++i) {
    const float x1 = head[i];
    const float x2 = head[i + h];
    head[i] = x1 * cos[i] - x2 * sin[i];
    head[i + h] = x2 * cos[i] + x1 * sin[i];
  }
}

}  // namespace gatehouse::engine
