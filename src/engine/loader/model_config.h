// config.json of a Hugging Face checkpoint, read into the shape parameters the engine needs, with
// the defaults transformers applies when a field is absent. Unsupported architectures and values
// that cannot describe a model (heads that do not divide, unknown rope types) are errors naming
// the field. Plain data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::engine {

enum class Architecture { llama, mistral, qwen2, qwen3 };

struct RopeScaling {
  enum class Type { none, linear, dynamic, llama3 };
  Type type = Type::none;
  double factor = 1.0;
  // llama3 only.
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

struct ModelConfig {
  Architecture architecture = Architecture::llama;
  std::string architecture_name;  // as written, e.g. "LlamaForCausalLM"
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // q/k/v biases (always for Qwen2)
  bool qk_norm = false;         // per-head RMSNorm of q and k (Qwen3)
  std::optional<int64_t> sliding_window;  // attend to this many most recent positions
  int64_t first_sliding_layer = 0;         // layers before it attend to everything
  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_ids;
  std::string torch_dtype;  // "bfloat16", "float16", "float32" or empty

  static ModelConfig parse(std::string_view text, const std::string& document = "config.json");
  static ModelConfig load(const std::filesystem::path& folder);
};

}  // namespace gatehouse::engine
