// MistralForCausalLM: Llama's layers; config.json's sliding_window, when set, limits every layer's
// attention to that many most recent positions.
#include "engine/models/architecture.h"

namespace gatehouse::engine {

const ArchitectureTraits& mistral_traits() {
  static const ArchitectureTraits traits{.class_name = "MistralForCausalLM"};
  return traits;
}

}  // namespace gatehouse::engine
