// Qwen3ForCausalLM: no q/k/v biases, but an RMSNorm over each head of q and k (q_norm, k_norm)
// before the rotary embedding, and head_dim given explicitly (q_proj may be wider than hidden).
#include "engine/models/architecture.h"

namespace gatehouse::engine {

const ArchitectureTraits& qwen3_traits() {
  static const ArchitectureTraits traits{.class_name = "Qwen3ForCausalLM", .qk_norm = true};
  return traits;
}

}  // namespace gatehouse::engine
