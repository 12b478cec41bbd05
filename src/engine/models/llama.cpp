// LlamaForCausalLM (Llama 2, 3, 3.1, 3.2): the plain decoder. Rope scaling (linear, dynamic,
// llama3) and tied embeddings come from config.json and are handled by the shared decoder.
#include "engine/models/architecture.h"

namespace gatehouse::engine {

const ArchitectureTraits& llama_traits() {
  static const ArchitectureTraits traits{.class_name = "LlamaForCausalLM"};
  return traits;
}

}  // namespace gatehouse::engine
