// The demo repo's model: config.json and generation_config.json as transformers writes them for a
// Llama 3.2 style model of make_checkpoint.py's "tiny" shape, and model.safetensors with random bf16
// weights, the safetensors format written by hand as make_checkpoint.py writes it.
#include <boost/json.hpp>
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numbers>
#include <string>
#include <vector>

#include "base/json.h"
#include "cli/demo_repo.h"

namespace gatehouse::cli::demo {
namespace {

namespace bj = boost::json;

// make_checkpoint.py's "tiny" shape.
constexpr int64_t kHidden = 64;
constexpr int64_t kIntermediate = 128;
constexpr int64_t kLayers = 3;
constexpr int64_t kHeads = 4;
constexpr int64_t kKvHeads = 2;
constexpr int64_t kHeadDim = 16;

bj::array eos_ids(const TokenizerFiles& tokenizer) {
  return bj::array(std::begin(tokenizer.eos_token_ids), std::end(tokenizer.eos_token_ids));
}

// How a tensor's values are drawn: scale * N(0, 1), plus 1 for norm weights.
struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  double scale = 0;
  bool norm = false;

  int64_t elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

// transformers' LlamaForCausalLM tensors, lm_head untied, in safetensors' order (by name).
// The scales are make_checkpoint.py's: logits well spread, so greedy decoding is not degenerate.
std::vector<TensorSpec> tensor_specs(int64_t vocab_size) {
  const double h = std::sqrt(double(kHidden));
  // Logits' standard deviation about 4: a few units between the best tokens.
  std::vector<TensorSpec> specs = {{"model.embed_tokens.weight", {vocab_size, kHidden}, 0.5},
                                   {"model.norm.weight", {kHidden}, 0.1, true},
                                   {"lm_head.weight", {vocab_size, kHidden}, 4.0 / h}};
  for (int64_t i = 0; i < kLayers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    specs.push_back({p + "input_layernorm.weight", {kHidden}, 0.1, true});
    specs.push_back({p + "self_attn.q_proj.weight", {kHeads * kHeadDim, kHidden}, 1.3 / h});
    specs.push_back({p + "self_attn.k_proj.weight", {kKvHeads * kHeadDim, kHidden}, 1.3 / h});
    specs.push_back({p + "self_attn.v_proj.weight", {kKvHeads * kHeadDim, kHidden}, 1.0 / h});
    specs.push_back({p + "self_attn.o_proj.weight", {kHidden, kHeads * kHeadDim}, 1.0 / std::sqrt(double(kHeads * kHeadDim))});
    specs.push_back({p + "post_attention_layernorm.weight", {kHidden}, 0.1, true});
    specs.push_back({p + "mlp.gate_proj.weight", {kIntermediate, kHidden}, 1.5 / h});
    specs.push_back({p + "mlp.up_proj.weight", {kIntermediate, kHidden}, 1.5 / h});
    specs.push_back({p + "mlp.down_proj.weight", {kHidden, kIntermediate}, 1.0 / std::sqrt(double(kIntermediate))});
  }
  std::sort(specs.begin(), specs.end(), [](const TensorSpec& a, const TensorSpec& b) { return a.name < b.name; });
  return specs;
}

// SplitMix64 seeded by the repo's seed and the tensor's name (FNV-1a), so a tensor's values do not
// depend on the others; normal values by Box-Muller.
class NormalGenerator {
 public:
  NormalGenerator(uint64_t seed, const std::string& name) : state_(seed) {
    uint64_t hash = 0xcbf29ce484222325;
    for (char c : name) hash = (hash ^ uint8_t(c)) * 0x100000001b3;
    state_ ^= hash;
  }

  double next() {
    if (spare_) {
      spare_ = false;
      return cached_;
    }
    const double u1 = double((bits() >> 11) + 1) * 0x1p-53;  // (0, 1]
    const double u2 = double(bits() >> 11) * 0x1p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    cached_ = r * std::sin(2 * std::numbers::pi * u2);
    spare_ = true;
    return r * std::cos(2 * std::numbers::pi * u2);
  }

 private:
  uint64_t bits() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }

  uint64_t state_;
  double cached_ = 0;
  bool spare_ = false;
};

// float -> bfloat16, rounding to nearest even (finite values only, as drawn here).
uint16_t to_bf16(float value) {
  const auto bits = std::bit_cast<uint32_t>(value);
  return uint16_t((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}

}  // namespace

std::string make_config_json(const TokenizerFiles& tokenizer) {
  bj::object config{{"architectures", bj::array{"LlamaForCausalLM"}},
                    {"attention_bias", false},
                    {"attention_dropout", 0.0},
                    {"bos_token_id", tokenizer.bos_token_id},
                    {"eos_token_id", eos_ids(tokenizer)},
                    {"head_dim", kHeadDim},
                    {"hidden_act", "silu"},
                    {"hidden_size", kHidden},
                    {"initializer_range", 0.02},
                    {"intermediate_size", kIntermediate},
                    {"max_position_embeddings", 131072},
                    {"mlp_bias", false},
                    {"model_type", "llama"},
                    {"num_attention_heads", kHeads},
                    {"num_hidden_layers", kLayers},
                    {"num_key_value_heads", kKvHeads},
                    {"pretraining_tp", 1},
                    {"rms_norm_eps", 1e-5},
                    {"rope_scaling",
                     {{"factor", 32.0},
                      {"high_freq_factor", 4.0},
                      {"low_freq_factor", 1.0},
                      {"original_max_position_embeddings", 8192},
                      {"rope_type", "llama3"}}},
                    {"rope_theta", 500000.0},
                    {"tie_word_embeddings", false},
                    {"torch_dtype", "bfloat16"},
                    {"transformers_version", "4.46.0"},
                    {"use_cache", true},
                    {"vocab_size", tokenizer.vocab_size}};
  return json::serialize(config) + "\n";
}

std::string make_generation_config_json(const TokenizerFiles& tokenizer) {
  // Llama 3.2 Instruct's sampling defaults.
  bj::object config{{"bos_token_id", tokenizer.bos_token_id}, {"do_sample", true}, {"eos_token_id", eos_ids(tokenizer)},
                    {"temperature", 0.6},  {"top_p", 0.9},      {"transformers_version", "4.46.0"}};
  return json::serialize(config) + "\n";
}

std::string make_safetensors(const TokenizerFiles& tokenizer, uint64_t seed) {
  const std::vector<TensorSpec> specs = tensor_specs(tokenizer.vocab_size);
  bj::object header;
  int64_t offset = 0;
  for (const TensorSpec& spec : specs) {
    const int64_t size = spec.elements() * 2;
    header[spec.name] = {{"dtype", "BF16"}, {"shape", bj::array(spec.shape.begin(), spec.shape.end())},
                         {"data_offsets", {offset, offset + size}}};
    offset += size;
  }
  header["__metadata__"] = {{"format", "pt"}};
  std::string text = json::serialize(header);
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string file(8 + text.size(), '\0');
  const uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) file[size_t(i)] = char((length >> (8 * i)) & 0xFF);  // little-endian
  std::memcpy(file.data() + 8, text.data(), text.size());
  file.reserve(file.size() + size_t(offset));
  const size_t data_start = file.size();
  for (const TensorSpec& spec : specs) {
    NormalGenerator generator(seed, spec.name);
    for (int64_t i = 0; i < spec.elements(); ++i) {
      const uint16_t value = to_bf16(float(spec.scale * generator.next() + (spec.norm ? 1.0 : 0.0)));
      file.push_back(char(value & 0xFF));
      file.push_back(char(value >> 8));
    }
  }
  for (const char* name : {"model.embed_tokens.weight", "lm_head.weight"}) {
    const int64_t start = header.at(name).at("data_offsets").at(0).as_int64();
    for (int64_t id : tokenizer.reserved_token_ids) {
      std::memset(file.data() + data_start + start + id * kHidden * 2, 0, kHidden * 2);
    }
  }
  return file;
}

}  // namespace gatehouse::cli::demo
