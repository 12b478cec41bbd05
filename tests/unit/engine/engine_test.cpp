// The Engine's C++ API end to end on a tiny random Llama checkpoint written by the test itself:
// greedy and seeded determinism, n samples sharing prompt blocks, prefix caching across requests,
// stop tokens, EOS and min_tokens, cancellation, preemption, and the errors a caller can cause.
#include "engine/engine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"

namespace gatehouse::engine {
namespace {

namespace fs = std::filesystem;

// The tiny model: config.json and the tensors' shapes follow from these.
constexpr int64_t kVocab = 64, kHidden = 32, kInner = 64, kLayers = 2, kHeads = 4, kKvHeads = 2;
constexpr int64_t kHeadDim = kHidden / kHeads;
constexpr int64_t kMaxPositions = 128;
constexpr int32_t kEos = 2;
// With tied embeddings an embedding as large as the layers' outputs makes the head mostly copy the
// last token; a smaller one leaves the layers in charge and the logits spread out.
constexpr float kEmbeddingStd = 0.25f;

// Bytes of one KV-cache block: keys and values of every layer, f32.
constexpr int64_t block_bytes(int64_t block_size) { return kLayers * 2 * block_size * kKvHeads * kHeadDim * 4; }

// A folder under the system temp directory, removed with everything in it on destruction.
class TempFolder {
 public:
  TempFolder() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("gatehouse_engine_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

// A safetensors file of F32 tensors: 8-byte little-endian header length, the JSON header padded
// with spaces to a multiple of 8, then the tensors' bytes back to back in header order.
void write_safetensors(const fs::path& path, const std::vector<Tensor>& tensors) {
  std::string header = "{";
  uint64_t offset = 0;
  for (const Tensor& tensor : tensors) {
    std::string shape;
    for (int64_t dimension : tensor.shape) {
      if (!shape.empty()) shape += ',';
      shape += std::to_string(dimension);
    }
    const uint64_t end = offset + tensor.values.size() * sizeof(float);
    if (header.size() > 1) header += ',';
    header.append("\"").append(tensor.name).append("\":{\"dtype\":\"F32\",\"shape\":[").append(shape);
    header.append("],\"data_offsets\":[").append(std::to_string(offset)).append(",");
    header.append(std::to_string(end)).append("]}");
    offset = end;
  }
  header += "}";
  header.resize((header.size() + 7) / 8 * 8, ' ');
  std::ofstream out(path, std::ios::binary);
  uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((length >> (8 * i)) & 0xff));
  out << header;
  for (const Tensor& tensor : tensors) {
    out.write(reinterpret_cast<const char*>(tensor.values.data()),
              static_cast<std::streamsize>(tensor.values.size() * sizeof(float)));
  }
  ASSERT_TRUE(out.good()) << path;
}

struct CheckpointOptions {
  std::string omit;                  // a tensor left out
  std::string reshape;               // a tensor written with `shape` instead of its own
  std::vector<int64_t> shape;
};

CheckpointOptions omitting(std::string name) {
  CheckpointOptions options;
  options.omit = std::move(name);
  return options;
}

CheckpointOptions reshaping(std::string name, std::vector<int64_t> shape) {
  CheckpointOptions options;
  options.reshape = std::move(name);
  options.shape = std::move(shape);
  return options;
}

// config.json and model.safetensors of a random LlamaForCausalLM with the shapes above. Values come
// from a fixed seed: matrices with std 1/sqrt(fan_in), embeddings std kEmbeddingStd, norms 1 + 0.1 N(0, 1).
void write_checkpoint(const fs::path& folder, const CheckpointOptions& options = {}) {
  std::ofstream(folder / "config.json") << R"({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama",
  "vocab_size": 64, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
  "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 128,
  "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": true,
  "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"
})";
  std::mt19937 random(1234);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<Tensor> tensors;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, float scale, float base) {
    if (name == options.omit) return;
    if (name == options.reshape) shape = options.shape;
    int64_t count = 1;
    for (int64_t dimension : shape) count *= dimension;
    Tensor tensor{name, shape, std::vector<float>(static_cast<size_t>(count))};
    for (float& value : tensor.values) value = base + scale * normal(random);
    tensors.push_back(std::move(tensor));
  };
  auto matrix = [&](const std::string& name, int64_t rows, int64_t cols) {
    add(name, {rows, cols}, 1.0f / std::sqrt(static_cast<float>(cols)), 0.0f);
  };
  auto norm = [&](const std::string& name) { add(name, {kHidden}, 0.1f, 1.0f); };

  add("model.embed_tokens.weight", {kVocab, kHidden}, kEmbeddingStd, 0.0f);
  for (int64_t i = 0; i < kLayers; ++i) {
    const std::string layer = "model.layers." + std::to_string(i) + ".";
    norm(layer + "input_layernorm.weight");
    matrix(layer + "self_attn.q_proj.weight", kHeads * kHeadDim, kHidden);
    matrix(layer + "self_attn.k_proj.weight", kKvHeads * kHeadDim, kHidden);
    matrix(layer + "self_attn.v_proj.weight", kKvHeads * kHeadDim, kHidden);
    matrix(layer + "self_attn.o_proj.weight", kHidden, kHeads * kHeadDim);
    norm(layer + "post_attention_layernorm.weight");
    matrix(layer + "mlp.gate_proj.weight", kInner, kHidden);
    matrix(layer + "mlp.up_proj.weight", kInner, kHidden);
    matrix(layer + "mlp.down_proj.weight", kHidden, kInner);
  }
  norm("model.norm.weight");
  write_safetensors(folder / "model.safetensors", tensors);
}

// Everything one sequence produced, gathered from step() updates.
struct Output {
  std::vector<int32_t> tokens;
  FinishReason finish = FinishReason::none;
  std::optional<int32_t> stop_token;
  int64_t cached_prompt_tokens = -1;
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;
  int updates_after_finish = 0;
};

using Outputs = std::map<std::pair<std::string, int64_t>, Output>;

void collect(const std::vector<SequenceUpdate>& updates, Outputs& outputs) {
  for (const SequenceUpdate& update : updates) {
    Output& output = outputs[{update.request_id, update.index}];
    if (output.finish != FinishReason::none) ++output.updates_after_finish;
    output.tokens.insert(output.tokens.end(), update.new_tokens.begin(), update.new_tokens.end());
    output.finish = update.finish;
    output.stop_token = update.stop_token;
    output.cached_prompt_tokens = update.cached_prompt_tokens;
    output.prompt_tokens = update.prompt_tokens;
    output.output_tokens = update.output_tokens;
  }
}

// Steps until nothing is left (with a bound, so a scheduler that stalls fails instead of hanging).
Outputs run_to_completion(Engine& engine, Outputs outputs = {}) {
  for (int steps = 0; engine.has_unfinished(); ++steps) {
    if (steps > 1000) {
      ADD_FAILURE() << "the engine did not finish within 1000 steps";
      break;
    }
    collect(engine.step(), outputs);
  }
  return outputs;
}

Output generate(Engine& engine, const std::string& id, std::vector<int32_t> prompt, const SamplingParams& params) {
  engine.add_request({.id = id, .prompt = std::move(prompt), .params = params});
  Outputs outputs = run_to_completion(engine);
  EXPECT_EQ(outputs.size(), 1u);
  return outputs[{id, 0}];
}

std::vector<int32_t> make_prompt(int64_t length, int32_t first = 5) {
  std::vector<int32_t> prompt;
  for (int64_t i = 0; i < length; ++i) prompt.push_back(static_cast<int32_t>((first + 7 * i) % kVocab));
  return prompt;
}

SamplingParams greedy(int64_t max_tokens) {
  SamplingParams params;
  params.temperature = 0;
  params.max_tokens = max_tokens;
  params.ignore_eos = true;
  return params;
}

SamplingParams seeded(uint64_t seed, int64_t max_tokens) {
  SamplingParams params;
  params.temperature = 1.0;
  params.seed = seed;
  params.max_tokens = max_tokens;
  params.ignore_eos = true;
  return params;
}

EngineOptions options(int threads = 1) {
  EngineOptions options;
  options.threads = threads;
  options.block_size = 4;
  return options;
}

// Runs `action`, which must throw invalid_argument with `keyword` in its message.
void expect_invalid(const std::function<void()>& action, const std::string& keyword) {
  try {
    action();
    ADD_FAILURE() << "no error; expected one mentioning \"" << keyword << "\"";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument) << error.what();
    EXPECT_NE(std::string(error.what()).find(keyword), std::string::npos)
        << "\"" << error.what() << "\" does not mention \"" << keyword << "\"";
  }
}

class EngineTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    folder_ = new TempFolder;
    write_checkpoint(folder_->path());
  }
  static void TearDownTestSuite() {
    delete folder_;
    folder_ = nullptr;
  }
  static const fs::path& checkpoint() { return folder_->path(); }

 private:
  static TempFolder* folder_;
};

TempFolder* EngineTest::folder_ = nullptr;

TEST_F(EngineTest, LoadsTheTinyCheckpoint) {
  Engine engine(checkpoint(), options());
  EXPECT_EQ(engine.config().vocab_size, kVocab);
  EXPECT_EQ(engine.config().head_dim, kHeadDim);
  EXPECT_EQ(engine.max_model_len(), kMaxPositions);
  EXPECT_EQ(engine.threads(), 1);
  EXPECT_FALSE(engine.has_unfinished());
  EXPECT_TRUE(engine.step().empty());
}

TEST_F(EngineTest, GreedyIsDeterministicAndStopsAtMaxTokens) {
  Engine engine(checkpoint(), options(1));
  const std::vector<int32_t> prompt = make_prompt(7);
  engine.add_request({.id = "a", .prompt = prompt, .params = greedy(10)});
  Outputs outputs;
  for (int steps = 0; engine.has_unfinished() && steps < 100; ++steps) {
    std::vector<SequenceUpdate> updates = engine.step();
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].new_tokens.size(), 1u);  // one token per step
    collect(updates, outputs);
  }
  const Output first = outputs[{"a", 0}];
  ASSERT_EQ(first.tokens.size(), 10u);
  EXPECT_EQ(first.finish, FinishReason::length);
  EXPECT_FALSE(first.stop_token);
  EXPECT_EQ(first.prompt_tokens, 7);
  EXPECT_EQ(first.output_tokens, 10);
  EXPECT_GT(std::set<int32_t>(first.tokens.begin(), first.tokens.end()).size(), 1u) << "a degenerate model";

  EXPECT_EQ(generate(engine, "b", prompt, greedy(10)).tokens, first.tokens);
  Engine parallel(checkpoint(), options(2));
  EXPECT_EQ(parallel.threads(), 2);
  EXPECT_EQ(generate(parallel, "a", prompt, greedy(10)).tokens, first.tokens);
}

TEST_F(EngineTest, SeededSamplingIsReproducible) {
  const std::vector<int32_t> prompt = make_prompt(6);
  std::vector<int32_t> first, second, other;
  {
    Engine engine(checkpoint(), options());
    first = generate(engine, "a", prompt, seeded(7, 24)).tokens;
  }
  {
    Engine engine(checkpoint(), options());
    second = generate(engine, "a", prompt, seeded(7, 24)).tokens;
    other = generate(engine, "b", prompt, seeded(8, 24)).tokens;
  }
  ASSERT_EQ(first.size(), 24u);
  EXPECT_EQ(first, second);
  ASSERT_EQ(other.size(), 24u);
  EXPECT_NE(first, other);
}

TEST_F(EngineTest, ParallelSamplesShareThePromptBlocks) {
  Engine engine(checkpoint(), options());
  SamplingParams params = seeded(11, 8);
  params.n = 3;
  engine.add_request({.id = "n", .prompt = make_prompt(10), .params = params});
  Outputs outputs = run_to_completion(engine);
  ASSERT_EQ(outputs.size(), 3u);
  for (int64_t index = 0; index < 3; ++index) {
    ASSERT_TRUE(outputs.contains({"n", index})) << index;
    const Output& output = outputs[{"n", index}];
    EXPECT_EQ(output.tokens.size(), 8u) << index;
    EXPECT_EQ(output.finish, FinishReason::length) << index;
  }
  EXPECT_EQ((outputs[{"n", 0}].cached_prompt_tokens), 0);
  // The siblings wait for the first to compute the prompt, then take its two full blocks.
  EXPECT_EQ((outputs[{"n", 1}].cached_prompt_tokens), 8);
  EXPECT_EQ((outputs[{"n", 2}].cached_prompt_tokens), 8);
  const std::vector<int32_t>& zero = outputs[{"n", 0}].tokens;
  const bool all_same = zero == outputs[{"n", 1}].tokens && zero == outputs[{"n", 2}].tokens;
  EXPECT_FALSE(all_same);
  EXPECT_EQ(engine.stats().kv_blocks_used, 0);

  // The same request again gives the same three sequences.
  Engine again(checkpoint(), options());
  again.add_request({.id = "n", .prompt = make_prompt(10), .params = params});
  Outputs repeated = run_to_completion(again);
  for (int64_t index = 0; index < 3; ++index) {
    EXPECT_EQ((repeated[{"n", index}].tokens), (outputs[{"n", index}].tokens)) << index;
  }
}

TEST_F(EngineTest, PrefixCacheServesWholeBlocksOfARepeatedPrompt) {
  const std::vector<int32_t> prompt = make_prompt(12, 9);
  Engine cached(checkpoint(), options());
  const Output first = generate(cached, "a", prompt, greedy(6));
  const Output second = generate(cached, "b", prompt, greedy(6));
  EXPECT_EQ(first.cached_prompt_tokens, 0);
  EXPECT_EQ(second.cached_prompt_tokens, 8);  // the last prompt token is always computed
  EXPECT_EQ(second.tokens, first.tokens);
  EXPECT_EQ(cached.stats().kv_blocks_used, 0);  // cached blocks stay available

  EngineOptions off = options();
  off.prefix_caching = false;
  Engine uncached(checkpoint(), off);
  const Output third = generate(uncached, "a", prompt, greedy(6));
  const Output fourth = generate(uncached, "b", prompt, greedy(6));
  EXPECT_EQ(third.cached_prompt_tokens, 0);
  EXPECT_EQ(fourth.cached_prompt_tokens, 0);
  EXPECT_EQ(third.tokens, first.tokens);
  EXPECT_EQ(fourth.tokens, first.tokens);
}

TEST_F(EngineTest, StopTokenEndsTheSequenceUnlessMinTokensMasksIt) {
  Engine engine(checkpoint(), options());
  const std::vector<int32_t> prompt = make_prompt(5, 3);
  // EOS kept out of the way: min_tokens masks it as well (as vLLM does, even with ignore_eos).
  SamplingParams params = greedy(12);
  params.logit_bias = {{kEos, -100.0f}};
  const std::vector<int32_t> base = generate(engine, "base", prompt, params).tokens;
  ASSERT_EQ(base.size(), 12u);
  const int32_t stop = base[2];
  // Greedy stops at the first time the stop token comes up, which may be before step 3.
  const size_t first = static_cast<size_t>(std::find(base.begin(), base.end(), stop) - base.begin());
  ASSERT_LE(first, 2u);

  params.stop_token_ids = {stop};
  const Output stopped = generate(engine, "stop", prompt, params);
  EXPECT_EQ(stopped.finish, FinishReason::stop);
  ASSERT_TRUE(stopped.stop_token);
  EXPECT_EQ(*stopped.stop_token, stop);
  EXPECT_EQ(stopped.tokens, std::vector<int32_t>(base.begin(), base.begin() + first + 1));
  EXPECT_EQ(stopped.tokens.back(), stop);

  params.min_tokens = 4;
  const Output masked = generate(engine, "masked", prompt, params);
  ASSERT_GE(masked.tokens.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_NE(masked.tokens[i], stop) << "token " << i;
  EXPECT_EQ(std::vector<int32_t>(masked.tokens.begin(), masked.tokens.begin() + first),
            std::vector<int32_t>(base.begin(), base.begin() + first));
  if (masked.finish == FinishReason::stop) {
    EXPECT_EQ(masked.tokens.back(), stop);
    EXPECT_EQ(masked.stop_token, stop);
  } else {
    EXPECT_EQ(masked.finish, FinishReason::length);
    EXPECT_EQ(masked.tokens.size(), 12u);
    EXPECT_FALSE(masked.stop_token);
  }
}

TEST_F(EngineTest, EosStopsUnlessIgnoredOrMaskedByMinTokens) {
  Engine engine(checkpoint(), options());
  const std::vector<int32_t> prompt = make_prompt(6, 11);
  SamplingParams params;
  params.temperature = 0;
  params.max_tokens = 5;
  params.logit_bias = {{kEos, 100.0f}};

  const Output eos = generate(engine, "eos", prompt, params);
  EXPECT_EQ(eos.tokens, std::vector<int32_t>{kEos});
  EXPECT_EQ(eos.finish, FinishReason::stop);
  EXPECT_FALSE(eos.stop_token);  // EOS is not a stop_token_ids entry

  params.ignore_eos = true;
  const Output ignored = generate(engine, "ignored", prompt, params);
  EXPECT_EQ(ignored.tokens, std::vector<int32_t>(5, kEos));
  EXPECT_EQ(ignored.finish, FinishReason::length);

  params.ignore_eos = false;
  params.min_tokens = 3;
  const Output masked = generate(engine, "masked", prompt, params);
  ASSERT_EQ(masked.tokens.size(), 4u);
  for (size_t i = 0; i < 3; ++i) EXPECT_NE(masked.tokens[i], kEos) << "token " << i;
  EXPECT_EQ(masked.tokens.back(), kEos);
  EXPECT_EQ(masked.finish, FinishReason::stop);

  // Unbiased, EOS ends the sequence if the model happens to produce it, and only then.
  params.logit_bias.clear();
  params.min_tokens = 0;
  params.max_tokens = 24;
  const Output plain = generate(engine, "plain", prompt, params);
  const auto eos_at = std::find(plain.tokens.begin(), plain.tokens.end(), kEos);
  if (eos_at == plain.tokens.end()) {
    EXPECT_EQ(plain.finish, FinishReason::length);
    EXPECT_EQ(plain.tokens.size(), 24u);
  } else {
    EXPECT_EQ(eos_at + 1, plain.tokens.end());
    EXPECT_EQ(plain.finish, FinishReason::stop);
  }
}

TEST_F(EngineTest, CancelAbortsOneRequestAndLeavesTheOther) {
  const std::vector<int32_t> prompt_a = make_prompt(9, 4), prompt_b = make_prompt(6, 20);
  std::vector<int32_t> alone;
  {
    Engine reference(checkpoint(), options());
    alone = generate(reference, "b", prompt_b, greedy(8)).tokens;
  }
  Engine engine(checkpoint(), options());
  engine.add_request({.id = "a", .prompt = prompt_a, .params = greedy(8)});
  engine.add_request({.id = "b", .prompt = prompt_b, .params = greedy(8)});
  Outputs outputs;
  collect(engine.step(), outputs);
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(engine.stats().running, 2);

  engine.cancel("a");
  EXPECT_TRUE(engine.has_unfinished());
  std::vector<SequenceUpdate> updates = engine.step();
  auto aborted = std::find_if(updates.begin(), updates.end(), [](const auto& u) { return u.request_id == "a"; });
  ASSERT_NE(aborted, updates.end());
  EXPECT_EQ(aborted->finish, FinishReason::abort);
  EXPECT_TRUE(aborted->new_tokens.empty());
  EXPECT_EQ(aborted->output_tokens, 1);
  auto running = std::find_if(updates.begin(), updates.end(), [](const auto& u) { return u.request_id == "b"; });
  ASSERT_NE(running, updates.end());
  EXPECT_EQ(running->new_tokens.size(), 1u);
  collect(updates, outputs);

  outputs = run_to_completion(engine, std::move(outputs));
  EXPECT_EQ((outputs[{"a", 0}].finish), FinishReason::abort);
  EXPECT_EQ((outputs[{"a", 0}].tokens.size()), 1u);
  EXPECT_EQ((outputs[{"a", 0}].updates_after_finish), 0);
  EXPECT_EQ((outputs[{"b", 0}].finish), FinishReason::length);
  EXPECT_EQ((outputs[{"b", 0}].tokens), alone);
  EXPECT_FALSE(engine.has_unfinished());
  const EngineStats stats = engine.stats();
  EXPECT_EQ(stats.running, 0);
  EXPECT_EQ(stats.waiting, 0);
  EXPECT_EQ(stats.kv_blocks_used, 0);
}

TEST_F(EngineTest, CancelOfAWaitingRequestAndOfAnUnknownId) {
  Engine engine(checkpoint(), options());
  engine.cancel("nobody");  // nothing to do
  EXPECT_FALSE(engine.has_unfinished());
  SamplingParams params = greedy(4);
  params.n = 2;
  engine.add_request({.id = "w", .prompt = make_prompt(5), .params = params});
  engine.cancel("w");
  EXPECT_TRUE(engine.has_unfinished());  // until the abort updates are returned
  // Until then the id stays taken, so no update can be mistaken for a new request's.
  expect_invalid([&] { engine.add_request({.id = "w", .prompt = make_prompt(6), .params = greedy(3)}); }, "already");
  std::vector<SequenceUpdate> updates = engine.step();
  ASSERT_EQ(updates.size(), 2u);
  for (const SequenceUpdate& update : updates) {
    EXPECT_EQ(update.request_id, "w");
    EXPECT_EQ(update.finish, FinishReason::abort);
    EXPECT_TRUE(update.new_tokens.empty());
  }
  EXPECT_FALSE(engine.has_unfinished());
  EXPECT_TRUE(engine.step().empty());
  // The id is free again.
  EXPECT_EQ(generate(engine, "w", make_prompt(5), greedy(3)).tokens.size(), 3u);
}

TEST_F(EngineTest, ChunkedPrefillAndBatchingGiveTheSameTokens) {
  const std::vector<int32_t> long_prompt = make_prompt(19, 6), short_prompt = make_prompt(3, 30);
  std::vector<int32_t> long_alone, short_alone;
  {
    Engine engine(checkpoint(), options());
    long_alone = generate(engine, "long", long_prompt, greedy(8)).tokens;
    short_alone = generate(engine, "short", short_prompt, greedy(8)).tokens;
  }
  // Prefill in chunks of 5 tokens, while the short request decodes beside it.
  EngineOptions chunked = options();
  chunked.max_num_batched_tokens = 5;
  chunked.prefix_caching = false;
  Engine engine(checkpoint(), chunked);
  engine.add_request({.id = "short", .prompt = short_prompt, .params = greedy(8)});
  Outputs outputs;
  collect(engine.step(), outputs);
  engine.add_request({.id = "long", .prompt = long_prompt, .params = greedy(8)});
  outputs = run_to_completion(engine, std::move(outputs));
  EXPECT_EQ((outputs[{"long", 0}].tokens), long_alone);
  EXPECT_EQ((outputs[{"short", 0}].tokens), short_alone);
}

TEST_F(EngineTest, ContinuingFromGeneratedTokensReusesTheirBlocks) {
  // Greedy from the prompt plus the first outputs must go on as the first run did; the blocks
  // filled while decoding are in the prefix cache too.
  Engine engine(checkpoint(), options());
  const std::vector<int32_t> prompt = make_prompt(6, 13);
  const std::vector<int32_t> first = generate(engine, "first", prompt, greedy(12)).tokens;
  ASSERT_EQ(first.size(), 12u);
  std::vector<int32_t> longer = prompt;
  longer.insert(longer.end(), first.begin(), first.begin() + 7);  // 13 tokens
  const Output continued = generate(engine, "continued", longer, greedy(5));
  EXPECT_EQ(continued.cached_prompt_tokens, 12);
  EXPECT_EQ(continued.tokens, std::vector<int32_t>(first.begin() + 7, first.end()));

  EngineOptions uncached = options();
  uncached.prefix_caching = false;
  Engine fresh(checkpoint(), uncached);
  EXPECT_EQ(generate(fresh, "continued", longer, greedy(5)).tokens, continued.tokens);
}

TEST_F(EngineTest, MaxNumSeqsQueuesTheRest) {
  EngineOptions one = options();
  one.max_num_seqs = 1;
  Engine engine(checkpoint(), one);
  engine.add_request({.id = "a", .prompt = make_prompt(4, 1), .params = greedy(3)});
  engine.add_request({.id = "b", .prompt = make_prompt(4, 40), .params = greedy(3)});
  Outputs outputs;
  collect(engine.step(), outputs);
  EXPECT_EQ(outputs.size(), 1u);
  EXPECT_EQ(engine.stats().running, 1);
  EXPECT_EQ(engine.stats().waiting, 1);
  outputs = run_to_completion(engine, std::move(outputs));
  ASSERT_EQ(outputs.size(), 2u);
  Engine reference(checkpoint(), options());
  EXPECT_EQ((outputs[{"b", 0}].tokens), generate(reference, "b", make_prompt(4, 40), greedy(3)).tokens);
}

TEST_F(EngineTest, ReturnsLogprobsWhenAsked) {
  Engine engine(checkpoint(), options());
  SamplingParams params = greedy(4);
  params.logprobs = 3;
  engine.add_request({.id = "a", .prompt = make_prompt(5), .params = params});
  int tokens = 0;
  while (engine.has_unfinished()) {
    for (const SequenceUpdate& update : engine.step()) {
      ASSERT_EQ(update.new_logprobs.size(), update.new_tokens.size());
      for (size_t i = 0; i < update.new_tokens.size(); ++i, ++tokens) {
        const SampledToken& sampled = update.new_logprobs[i];
        EXPECT_EQ(sampled.token, update.new_tokens[i]);
        EXPECT_EQ(sampled.rank, 1);  // greedy takes the most likely token
        EXPECT_LE(sampled.logprob, 0.0f);
        ASSERT_EQ(sampled.top.size(), 3u);
        EXPECT_EQ(sampled.top[0].token, sampled.token);
        EXPECT_GE(sampled.top[0].logprob, sampled.top[1].logprob);
        EXPECT_GT(sampled.logprob, -10.0f) << "the tiny model's logits should be spread, not peaked";
      }
    }
  }
  EXPECT_EQ(tokens, 4);
  EXPECT_TRUE(generate(engine, "b", make_prompt(5), greedy(2)).tokens.size() == 2u);
}

TEST_F(EngineTest, ParallelSamplesSurviveChunkingAndPreemption) {
  SamplingParams params = seeded(5, 12);
  params.n = 3;
  const std::vector<int32_t> prompt = make_prompt(9, 17);
  auto run = [&](const EngineOptions& engine_options, EngineStats& stats) {
    Engine engine(checkpoint(), engine_options);
    engine.add_request({.id = "n", .prompt = prompt, .params = params});
    Outputs outputs = run_to_completion(engine);
    stats = engine.stats();
    return outputs;
  };
  EngineStats roomy_stats, tight_stats;
  const Outputs roomy = run(options(), roomy_stats);
  EngineOptions tight = options();
  tight.kv_cache_bytes = 6 * block_bytes(4);
  tight.max_model_len = 24;
  tight.max_num_batched_tokens = 4;
  const Outputs cramped = run(tight, tight_stats);
  EXPECT_GT(tight_stats.preemptions, 0);
  EXPECT_EQ(tight_stats.kv_blocks_used, 0);
  ASSERT_EQ(roomy.size(), 3u);
  ASSERT_EQ(cramped.size(), 3u);
  for (const auto& [key, output] : roomy) {
    EXPECT_EQ(output.tokens.size(), 12u) << key.second;
    EXPECT_EQ(cramped.at(key).tokens, output.tokens) << key.second;
  }
}

TEST_F(EngineTest, RejectsBadRequests) {
  EngineOptions limited = options();
  limited.max_model_len = 16;
  Engine engine(checkpoint(), limited);
  EXPECT_EQ(engine.max_model_len(), 16);
  auto add = [&](std::string id, std::vector<int32_t> prompt, SamplingParams params = greedy(2)) {
    return [&engine, id, prompt, params] { engine.add_request({.id = id, .prompt = prompt, .params = params}); };
  };
  expect_invalid(add("empty", {}), "prompt");
  expect_invalid(add("big", {1, 64, 3}), "64");
  expect_invalid(add("negative", {1, -1}), "-1");
  expect_invalid(add("long", make_prompt(16)), "16");
  expect_invalid(add("long", make_prompt(16)), "max_model_len");
  SamplingParams bad = greedy(2);
  bad.top_p = 1.5;
  expect_invalid(add("top_p", make_prompt(3), bad), "top_p");
  bad = greedy(2);
  bad.stop_token_ids = {kVocab};
  expect_invalid(add("stop", make_prompt(3), bad), "stop_token_ids");
  EXPECT_FALSE(engine.has_unfinished()) << "a rejected request left something behind";

  engine.add_request({.id = "dup", .prompt = make_prompt(15), .params = greedy(1)});  // the longest that fits
  expect_invalid(add("dup", make_prompt(3)), "dup");
  Outputs outputs = run_to_completion(engine);
  EXPECT_EQ((outputs[{"dup", 0}].tokens.size()), 1u);
  EXPECT_EQ(outputs.size(), 1u);
  engine.add_request({.id = "dup", .prompt = make_prompt(3), .params = greedy(1)});  // finished ids are free
  EXPECT_EQ(run_to_completion(engine).size(), 1u);
}

TEST_F(EngineTest, StopsAtMaxModelLen) {
  EngineOptions limited = options();
  limited.max_model_len = 16;
  Engine engine(checkpoint(), limited);
  const Output output = generate(engine, "a", make_prompt(10), greedy(100));
  EXPECT_EQ(output.tokens.size(), 6u);
  EXPECT_EQ(output.finish, FinishReason::length);
}

TEST_F(EngineTest, RejectsBadOptions) {
  EngineOptions small = options();
  small.kv_cache_bytes = 4 * block_bytes(4);  // 16 positions, less than max_position_embeddings
  expect_invalid([&] { Engine engine(checkpoint(), small); }, "KV");
  small.max_model_len = 17;
  expect_invalid([&] { Engine engine(checkpoint(), small); }, "KV");
  small.max_model_len = 16;  // exactly fits
  EXPECT_EQ(Engine(checkpoint(), small).max_model_len(), 16);

  EngineOptions too_long = options();
  too_long.max_model_len = kMaxPositions + 1;
  expect_invalid([&] { Engine engine(checkpoint(), too_long); }, "max_position_embeddings");
  too_long.max_model_len = kMaxPositions;
  EXPECT_EQ(Engine(checkpoint(), too_long).max_model_len(), kMaxPositions);

  EngineOptions bad_block = options();
  bad_block.block_size = 0;
  expect_invalid([&] { Engine engine(checkpoint(), bad_block); }, "block size");
}

TEST_F(EngineTest, MissingOrMisshapedTensorsAreNamed) {
  {
    TempFolder folder;
    write_checkpoint(folder.path(), omitting("model.layers.1.mlp.up_proj.weight"));
    expect_invalid([&] { Engine engine(folder.path(), options()); }, "model.layers.1.mlp.up_proj.weight");
  }
  {
    TempFolder folder;
    write_checkpoint(folder.path(), reshaping("model.layers.0.self_attn.k_proj.weight", {8, kHidden}));
    expect_invalid([&] { Engine engine(folder.path(), options()); }, "model.layers.0.self_attn.k_proj.weight");
  }
  {
    TempFolder folder;
    write_checkpoint(folder.path(), reshaping("model.norm.weight", {kHidden + 1}));
    expect_invalid([&] { Engine engine(folder.path(), options()); }, "model.norm.weight");
  }
}

TEST_F(EngineTest, PreemptedSequencesFinishWithTheSameTokens) {
  auto run = [&](const EngineOptions& engine_options, EngineStats& stats) {
    Engine engine(checkpoint(), engine_options);
    for (int r = 0; r < 3; ++r) {
      engine.add_request({.id = std::string("r").append(std::to_string(r)), .prompt = make_prompt(8, 10 * r + 3), .params = greedy(12)});
    }
    Outputs outputs = run_to_completion(engine);
    stats = engine.stats();
    return outputs;
  };
  EngineStats roomy_stats, tight_stats;
  const Outputs roomy = run(options(), roomy_stats);
  EngineOptions tight = options();
  tight.kv_cache_bytes = 6 * block_bytes(4);
  tight.max_model_len = 24;
  const Outputs cramped = run(tight, tight_stats);

  EXPECT_EQ(roomy_stats.preemptions, 0);
  EXPECT_GT(tight_stats.preemptions, 0);
  EXPECT_EQ(tight_stats.kv_blocks, 6);
  EXPECT_EQ(tight_stats.kv_blocks_used, 0);
  ASSERT_EQ(cramped.size(), 3u);
  for (const auto& [key, output] : roomy) {
    ASSERT_TRUE(cramped.contains(key)) << key.first;
    const Output& other = cramped.at(key);
    EXPECT_EQ(output.tokens.size(), 12u) << key.first;
    EXPECT_EQ(other.finish, FinishReason::length) << key.first;
    EXPECT_EQ(other.tokens, output.tokens) << key.first;
    EXPECT_EQ(other.updates_after_finish, 0) << key.first;
  }
}

}  // namespace
}  // namespace gatehouse::engine
