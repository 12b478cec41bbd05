// Qwen2ForCausalLM (Qwen2, Qwen2.5): Llama's layers with biases on q_proj, k_proj and v_proj.
#include "engine/models/architecture.h"

namespace gatehouse::engine {

const ArchitectureTraits& qwen2_traits() {
  static const ArchitectureTraits traits{.class_name = "Qwen2ForCausalLM", .qkv_bias = true};
  return traits;
}

}  // namespace gatehouse::engine
