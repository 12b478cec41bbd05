// What sets one Llama-family architecture apart from the others. The decoder (decoder.h) is
// shared; each architecture file says which optional tensors and behaviours its checkpoints have.
#pragma once

#include <string_view>

#include "engine/loader/model_config.h"

namespace gatehouse::engine {

struct ArchitectureTraits {
  std::string_view class_name;  // as in config.json "architectures"
  bool qkv_bias = false;        // q_proj/k_proj/v_proj have .bias tensors
  bool qk_norm = false;         // per-head RMSNorm of q and k before rotary embeddings
};

const ArchitectureTraits& llama_traits();
const ArchitectureTraits& mistral_traits();
const ArchitectureTraits& qwen2_traits();
const ArchitectureTraits& qwen3_traits();

const ArchitectureTraits& traits_for(Architecture architecture);

}  // namespace gatehouse::engine
