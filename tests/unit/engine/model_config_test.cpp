// config.json as published for the supported architectures, and the mistakes a config can hold.
#include "engine/loader/model_config.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gatehouse::engine {
namespace {

// Llama-3.2-1B's shape and rope scaling.
const char* kLlama32 = R"({"architectures": ["LlamaForCausalLM"], "bos_token_id": 128000,
  "eos_token_id": [128001, 128008, 128009], "hidden_size": 2048, "intermediate_size": 8192,
  "max_position_embeddings": 131072, "num_attention_heads": 32, "num_hidden_layers": 16,
  "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 128256})";

TEST(ModelConfig, Llama32) {
  ModelConfig config = ModelConfig::parse(kLlama32);
  EXPECT_EQ(config.architecture, Architecture::llama);
  EXPECT_EQ(config.head_dim, 64);
  EXPECT_EQ(config.num_key_value_heads, 8);
  EXPECT_EQ(config.rope_scaling.type, RopeScaling::Type::llama3);
  EXPECT_DOUBLE_EQ(config.rope_scaling.factor, 32.0);
  EXPECT_DOUBLE_EQ(config.rope_theta, 500000.0);
  EXPECT_DOUBLE_EQ(config.rms_norm_eps, 1e-5);
  EXPECT_TRUE(config.tie_word_embeddings);
  EXPECT_FALSE(config.attention_bias);
  EXPECT_EQ(config.eos_token_ids, (std::vector<int64_t>{128001, 128008, 128009}));
  EXPECT_EQ(config.torch_dtype, "bfloat16");
  EXPECT_FALSE(config.sliding_window);
}

TEST(ModelConfig, Qwen2AndQwen3Specifics) {
  ModelConfig qwen2 = ModelConfig::parse(R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896,
    "intermediate_size": 4864, "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
    "vocab_size": 151936, "use_sliding_window": false, "sliding_window": 131072, "eos_token_id": 151643})");
  EXPECT_TRUE(qwen2.attention_bias);
  EXPECT_FALSE(qwen2.sliding_window);
  EXPECT_EQ(qwen2.head_dim, 64);
  EXPECT_EQ(qwen2.eos_token_ids, (std::vector<int64_t>{151643}));
  ModelConfig qwen3 = ModelConfig::parse(R"({"architectures": ["Qwen3ForCausalLM"], "hidden_size": 1024,
    "head_dim": 128, "intermediate_size": 3072, "num_attention_heads": 16, "num_hidden_layers": 28,
    "num_key_value_heads": 8, "vocab_size": 151936})");
  EXPECT_EQ(qwen3.head_dim, 128);  // explicit, not hidden_size / heads
  EXPECT_TRUE(qwen3.qk_norm);
  EXPECT_EQ(qwen3.num_key_value_heads, 8);
  ModelConfig defaults = ModelConfig::parse(R"({"architectures": ["MistralForCausalLM"], "hidden_size": 64,
    "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100,
    "sliding_window": 4096, "rope_scaling": {"type": "linear", "factor": 2.0}})");
  EXPECT_EQ(defaults.num_key_value_heads, 4);
  EXPECT_EQ(defaults.sliding_window, 4096);
  EXPECT_EQ(defaults.rope_scaling.type, RopeScaling::Type::linear);
  EXPECT_DOUBLE_EQ(defaults.rope_theta, 10000.0);
}

TEST(ModelConfig, MistakesNameTheField) {
  auto message = [](const std::string& text) {
    try {
      ModelConfig::parse(text);
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  std::string base = R"("hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100)";
  EXPECT_NE(message(R"({"architectures": ["GPT2LMHeadModel"], )" + base + "}").find("GPT2LMHeadModel, which is not supported"),
            std::string::npos);
  EXPECT_NE(message(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 8, "hidden_size": 64})").find("intermediate_size is missing"),
            std::string::npos);
  EXPECT_NE(message(R"({"architectures": ["LlamaForCausalLM"], "num_key_value_heads": 3, )" + base + "}").find("must divide"),
            std::string::npos);
  EXPECT_NE(message(R"({"architectures": ["LlamaForCausalLM"], "rope_scaling": {"rope_type": "yarn"}, )" + base + "}")
                .find("rope_scaling.rope_type is \"yarn\""),
            std::string::npos);
  EXPECT_NE(message(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": -1, "intermediate_size": 1, )"
                    R"("num_attention_heads": 1, "num_hidden_layers": 1, "vocab_size": 1})")
                .find("hidden_size must be positive"),
            std::string::npos);
  EXPECT_NE(message("[1]").find("config.json"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::engine
