#include "engine/models/architecture.h"

namespace gatehouse::engine {

const ArchitectureTraits& traits_for(Architecture architecture) {
  switch (architecture) {
    case Architecture::mistral: return mistral_traits();
    case Architecture::qwen2: return qwen2_traits();
    case Architecture::qwen3: return qwen3_traits();
    case Architecture::llama: break;
  }
  return llama_traits();
}

}  // namespace gatehouse::engine
