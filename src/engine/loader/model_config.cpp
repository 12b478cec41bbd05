#include "engine/loader/model_config.h"

#include <boost/json.hpp>

#include "base/error.h"
#include "base/file.h"
#include "base/json.h"

namespace gatehouse::engine {
namespace {

namespace bj = boost::json;

struct KnownArchitecture {
  std::string_view name;
  Architecture architecture;
};
constexpr KnownArchitecture kArchitectures[] = {
    {"LlamaForCausalLM", Architecture::llama},
    {"MistralForCausalLM", Architecture::mistral},
    {"Qwen2ForCausalLM", Architecture::qwen2},
    {"Qwen3ForCausalLM", Architecture::qwen3},
};

[[noreturn]] void fail(const json::JsonPath& path, const std::string& message) {
  throw Error(ErrorCode::invalid_argument, path.str() + " " + message);
}

int64_t positive(const bj::object& object, std::string_view key, const json::JsonPath& path) {
  int64_t value = json::as_int(json::require(object, key, path), path / key);
  if (value <= 0) fail(path / key, "must be positive, got " + std::to_string(value));
  return value;
}

double number_or(const bj::object& object, std::string_view key, const json::JsonPath& path, double fallback) {
  const bj::value* value = json::find(object, key);
  return value ? json::as_double(*value, path / key) : fallback;
}

RopeScaling parse_rope_scaling(const bj::value& value, const json::JsonPath& path) {
  const bj::object& object = json::as_object(value, path);
  // transformers accepts "rope_type" and the older "type".
  std::string type = json::get_string(object, "rope_type", path, json::get_string(object, "type", path, "default"));
  RopeScaling scaling;
  if (type == "default") return scaling;
  if (type == "linear") scaling.type = RopeScaling::Type::linear;
  else if (type == "dynamic") scaling.type = RopeScaling::Type::dynamic;
  else if (type == "llama3") scaling.type = RopeScaling::Type::llama3;
  else fail(path / "rope_type", "is \"" + type + "\"; supported: default, linear, dynamic, llama3");
  scaling.factor = number_or(object, "factor", path, 1.0);
  if (scaling.factor <= 0) fail(path / "factor", "must be positive");
  scaling.low_freq_factor = number_or(object, "low_freq_factor", path, 1.0);
  scaling.high_freq_factor = number_or(object, "high_freq_factor", path, 4.0);
  scaling.original_max_position_embeddings = json::get_int(object, "original_max_position_embeddings", path, 8192);
  if (scaling.type == RopeScaling::Type::llama3 && scaling.high_freq_factor <= scaling.low_freq_factor) {
    fail(path, "needs high_freq_factor > low_freq_factor");
  }
  return scaling;
}

}  // namespace

ModelConfig ModelConfig::parse(std::string_view text, const std::string& document) {
  json::JsonPath path(document);
  bj::value root = json::parse(text, document);
  const bj::object& object = json::as_object(root, path);
  ModelConfig config;

  const bj::array& architectures = json::as_array(json::require(object, "architectures", path), path / "architectures");
  if (architectures.empty()) fail(path / "architectures", "is empty");
  config.architecture_name = std::string(json::as_string(architectures[0], (path / "architectures")[0]));
  bool known = false;
  std::string supported;
  for (const KnownArchitecture& candidate : kArchitectures) {
    supported += (supported.empty() ? "" : ", ") + std::string(candidate.name);
    if (candidate.name == config.architecture_name) {
      config.architecture = candidate.architecture;
      known = true;
    }
  }
  if (!known) fail(path / "architectures", "names " + config.architecture_name + ", which is not supported; supported: " + supported);

  config.vocab_size = positive(object, "vocab_size", path);
  config.hidden_size = positive(object, "hidden_size", path);
  config.intermediate_size = positive(object, "intermediate_size", path);
  config.num_hidden_layers = positive(object, "num_hidden_layers", path);
  config.num_attention_heads = positive(object, "num_attention_heads", path);
  config.num_key_value_heads = json::find(object, "num_key_value_heads") ? positive(object, "num_key_value_heads", path)
                                                                          : config.num_attention_heads;
  if (config.num_attention_heads % config.num_key_value_heads != 0) {
    fail(path / "num_key_value_heads", "(" + std::to_string(config.num_key_value_heads) + ") must divide num_attention_heads (" +
                                           std::to_string(config.num_attention_heads) + ")");
  }
  if (json::find(object, "head_dim")) {
    config.head_dim = positive(object, "head_dim", path);
  } else {
    if (config.hidden_size % config.num_attention_heads != 0) {
      fail(path / "hidden_size", "is not a multiple of num_attention_heads and there is no head_dim");
    }
    config.head_dim = config.hidden_size / config.num_attention_heads;
  }
  if (config.head_dim % 2 != 0) fail(path / "head_dim", "must be even for rotary embeddings");
  config.max_position_embeddings = json::get_int(object, "max_position_embeddings", path, 2048);
  config.rms_norm_eps = number_or(object, "rms_norm_eps", path, 1e-6);
  config.rope_theta = number_or(object, "rope_theta", path, 10000.0);
  if (const bj::value* scaling = json::find(object, "rope_scaling")) config.rope_scaling = parse_rope_scaling(*scaling, path / "rope_scaling");
  config.tie_word_embeddings = json::get_bool(object, "tie_word_embeddings", path, false);
  config.attention_bias = config.architecture == Architecture::qwen2 || json::get_bool(object, "attention_bias", path, false);
  config.qk_norm = config.architecture == Architecture::qwen3;
  // Mistral always honours sliding_window; Qwen only with use_sliding_window, and then only from
  // layer max_window_layers on (transformers' layer_types).
  const bool qwen = config.architecture == Architecture::qwen2 || config.architecture == Architecture::qwen3;
  if (config.architecture == Architecture::mistral || (qwen && json::get_bool(object, "use_sliding_window", path, false))) {
    config.sliding_window = json::get_optional_int(object, "sliding_window", path);
    if (qwen) config.first_sliding_layer = json::get_int(object, "max_window_layers", path, 28);
  }
  if (config.sliding_window && *config.sliding_window <= 0) fail(path / "sliding_window", "must be positive");
  config.bos_token_id = json::get_optional_int(object, "bos_token_id", path);
  if (const bj::value* eos = json::find(object, "eos_token_id")) config.eos_token_ids = json::as_int_list(*eos, path / "eos_token_id");
  config.torch_dtype = json::get_string(object, "torch_dtype", path, "");
  return config;
}

ModelConfig ModelConfig::load(const std::filesystem::path& folder) {
  return parse(files::read_file(folder / "config.json", files::kConfigFileLimit), "config.json");
}

}  // namespace gatehouse::engine
