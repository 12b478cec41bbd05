#include "engine/models/decoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/error.h"
#include "engine/models/architecture.h"
#include "engine/thread_pool.h"

namespace gatehouse::engine {
namespace {

// Output rows per part of a product, so tiles stay whole: one panel (a multiple of q4_0's tiles)
// for steps of one to three rows, so that parts stay small enough to even out between threads,
// and three (the widest panel tile) for more rows, where a narrower tile costs more (a tenth of
// batch-8 decode with q8_0). Parts of gate/up are also whole q8_0 blocks of the down projection's
// input.
constexpr int64_t kManyRows = 4;
int64_t row_granule(int64_t tokens) { return (tokens >= kManyRows ? 3 : 1) * kernels::kPanelRows; }
int64_t inner_granule(int64_t tokens) { return 2 * row_granule(tokens); }
static_assert(2 * kernels::kPanelRows % kernels::kQ8BlockSize == 0);

std::string layer_name(int64_t index, const std::string& rest) {
  return "model.layers." + std::to_string(index) + "." + rest;
}

// transformers' LlamaRMSNorm: x * rsqrt(mean(x^2) + eps), then times the weight. The squares are
// summed in double, in eight running sums (vectorized) added in a fixed order: a single sum's chain
// of dependent adds held a 135M prefill back by about 3%.
void rms_norm(const float* in, const float* weight, float* out, int64_t width, double eps) {
  constexpr int kSums = 8;
  double sums[kSums] = {};
  int64_t i = 0;
  for (; i + kSums <= width; i += kSums) {
    for (int l = 0; l < kSums; ++l) sums[l] += static_cast<double>(in[i + l]) * in[i + l];
  }
  for (; i < width; ++i) sums[i % kSums] += static_cast<double>(in[i]) * in[i];
  const double sum = ((sums[0] + sums[1]) + (sums[2] + sums[3])) + ((sums[4] + sums[5]) + (sums[6] + sums[7]));
  const float scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(width) + eps));
  for (int64_t j = 0; j < width; ++j) out[j] = weight[j] * (in[j] * scale);
}

// Prepares a part of `activations` for every distinct format among the readers.
void prepare(Activations& activations, std::initializer_list<const Linear*> readers, int64_t row_begin,
             int64_t row_end, int64_t col_begin, int64_t col_end) {
  bool bf16_done = false, q8_done = false;
  for (const Linear* reader : readers) {
    // q4_0 reads q8_0's form.
    const WeightFormat format = reader->format() == WeightFormat::q4_0 ? WeightFormat::q8_0 : reader->format();
    if (format == WeightFormat::bf16 && bf16_done) continue;
    if (format == WeightFormat::q8_0 && q8_done) continue;
    activations.prepare(format, row_begin, row_end, col_begin, col_end);
    bf16_done |= format == WeightFormat::bf16;
    q8_done |= format == WeightFormat::q8_0;
  }
}

// Adds `bias` to columns [begin, end) of `rows` rows.
void add_bias(float* y, int64_t rows, int64_t stride, const std::vector<float>& bias, int64_t begin, int64_t end) {
  if (bias.empty()) return;
  for (int64_t m = 0; m < rows; ++m) {
    for (int64_t n = begin; n < end; ++n) y[m * stride + n] += bias[n];
  }
}

// Adds columns [begin, end) of `rows` rows of `projected` to the residual stream.
void add_residual(const float* projected, float* hidden, int64_t rows, int64_t width, int64_t begin, int64_t end) {
  for (int64_t m = 0; m < rows; ++m) {
    for (int64_t n = begin; n < end; ++n) hidden[m * width + n] += projected[m * width + n];
  }
}

}  // namespace

DecoderModel::DecoderModel(const std::filesystem::path& folder, Quantization quantization, WeightPlacement placement,
                           ThreadPool& pool)
    : config_(ModelConfig::load(folder)), weights_(folder, placement), rope_(config_) {
  const ArchitectureTraits& traits = traits_for(config_.architecture);
  const int64_t hidden = config_.hidden_size, head = config_.head_dim;
  const int64_t q_width = config_.num_attention_heads * head, kv_width = config_.num_key_value_heads * head;
  const int64_t inner = config_.intermediate_size, vocab = config_.vocab_size;
  const bool bias = traits.qkv_bias || config_.attention_bias;
  qk_norm_ = traits.qk_norm || config_.qk_norm;

  const bool has_head = weights_.contains("lm_head.weight");
  if (!config_.tie_word_embeddings && !has_head) {
    throw Error(ErrorCode::invalid_argument,
                "the checkpoint has no tensor lm_head.weight and config.json does not set tie_word_embeddings");
  }
  const bool tied = !has_head || config_.tie_word_embeddings;
  lm_head_ = Linear(weights_, tied ? "model.embed_tokens.weight" : "lm_head.weight", vocab, hidden, quantization, pool);
  // A tied head in bf16 panels serves the embedding lookup too: a second copy in rows would double
  // its memory, and the rows' product is slower.
  embed_from_head_ = tied && lm_head_.bf16_panels();
  if (!embed_from_head_) embedding_ = weights_.require("model.embed_tokens.weight", {vocab, hidden});
  layers_.resize(config_.num_hidden_layers);
  for (int64_t i = 0; i < config_.num_hidden_layers; ++i) {
    Layer& layer = layers_[i];
    layer.input_norm = weights_.load_vector(layer_name(i, "input_layernorm.weight"), hidden);
    layer.post_attention_norm = weights_.load_vector(layer_name(i, "post_attention_layernorm.weight"), hidden);
    layer.q = Linear(weights_, layer_name(i, "self_attn.q_proj.weight"), q_width, hidden, quantization, pool);
    layer.k = Linear(weights_, layer_name(i, "self_attn.k_proj.weight"), kv_width, hidden, quantization, pool);
    layer.v = Linear(weights_, layer_name(i, "self_attn.v_proj.weight"), kv_width, hidden, quantization, pool);
    layer.o = Linear(weights_, layer_name(i, "self_attn.o_proj.weight"), hidden, q_width, quantization, pool);
    layer.gate = Linear(weights_, layer_name(i, "mlp.gate_proj.weight"), inner, hidden, quantization, pool);
    layer.up = Linear(weights_, layer_name(i, "mlp.up_proj.weight"), inner, hidden, quantization, pool);
    layer.down = Linear(weights_, layer_name(i, "mlp.down_proj.weight"), hidden, inner, quantization, pool);
    if (bias) {
      layer.q_bias = weights_.load_vector(layer_name(i, "self_attn.q_proj.bias"), q_width);
      layer.k_bias = weights_.load_vector(layer_name(i, "self_attn.k_proj.bias"), kv_width);
      layer.v_bias = weights_.load_vector(layer_name(i, "self_attn.v_proj.bias"), kv_width);
    }
    if (qk_norm_) {
      layer.q_norm = weights_.load_vector(layer_name(i, "self_attn.q_norm.weight"), head);
      layer.k_norm = weights_.load_vector(layer_name(i, "self_attn.k_norm.weight"), head);
    }
  }
  final_norm_ = weights_.load_vector("model.norm.weight", hidden);
  weights_.finish_loading();
  // The fewest heads that are whole groups of a key-value head and whose outputs fill whole blocks
  // of 32 values, or all of them.
  const int64_t kv_group = config_.num_attention_heads / config_.num_key_value_heads;
  attention_group_ = config_.num_attention_heads;
  for (int64_t g = kv_group; g <= config_.num_attention_heads; g += kv_group) {
    if (config_.num_attention_heads % g == 0 && g * head % kernels::kQ8BlockSize == 0) {
      attention_group_ = g;
      break;
    }
  }
}

KvCacheShape DecoderModel::kv_shape(int64_t block_size) const {
  return {config_.num_hidden_layers, config_.num_key_value_heads * config_.head_dim, block_size};
}

int64_t DecoderModel::weight_bytes() const {
  int64_t bytes = lm_head_.bytes();
  for (const Layer& layer : layers_) {
    for (const Linear* linear : {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down}) {
      bytes += linear->bytes();
    }
  }
  return bytes;
}

DecoderModel::Workspace::Workspace(const DecoderModel& model, int64_t max_tokens, int64_t max_logits,
                                   int64_t max_context, int threads)
    : max_tokens_(max_tokens), max_logits_(max_logits), max_context_(max_context), vocab_(model.config_.vocab_size) {
  const ModelConfig& c = model.config_;
  const int64_t q_width = c.num_attention_heads * c.head_dim, kv_width = c.num_key_value_heads * c.head_dim;
  const int64_t rows = std::max(max_tokens, max_logits);
  hidden_.resize(max_tokens * c.hidden_size);
  normed_.resize(rows * c.hidden_size);
  q_.resize(max_tokens * q_width);
  k_.resize(max_tokens * kv_width);
  v_.resize(max_tokens * kv_width);
  attention_.resize(max_tokens * q_width);
  projected_.resize(max_tokens * c.hidden_size);
  gate_.resize(max_tokens * c.intermediate_size);
  up_.resize(max_tokens * c.intermediate_size);
  logits_.resize(max_logits * c.vocab_size);
  cos_.resize(max_tokens * c.head_dim / 2);
  sin_.resize(max_tokens * c.head_dim / 2);
  scores_.resize(static_cast<size_t>(threads) * c.num_attention_heads / c.num_key_value_heads * max_context);
  position_.resize(max_tokens);
  sequence_of_.resize(max_tokens);
  logit_rows_.resize(max_logits);
  model_input_.reserve(max_tokens, c.hidden_size);
  head_input_.reserve(max_logits, c.hidden_size);
  attention_input_.reserve(max_tokens, q_width);
  mlp_input_.reserve(max_tokens, c.intermediate_size);
}

void DecoderModel::rms_norm_rows(const float* in, const std::vector<float>& weight, float* out, int64_t begin,
                                 int64_t end, int64_t width) const {
  for (int64_t row = begin; row < end; ++row) {
    rms_norm(in + row * width, weight.data(), out + row * width, width, config_.rms_norm_eps);
  }
}

void DecoderModel::forward(std::span<const StepSequence> batch, KvCache& cache, Workspace& ws, ThreadPool& pool) const {
  int64_t rows = 0, logit_count = 0;
  for (size_t s = 0; s < batch.size(); ++s) {
    const StepSequence& sequence = batch[s];
    GH_CHECK(rows + static_cast<int64_t>(sequence.tokens.size()) <= ws.max_tokens_);
    GH_CHECK(sequence.start_position + static_cast<int64_t>(sequence.tokens.size()) <= ws.max_context_);
    for (size_t j = 0; j < sequence.tokens.size(); ++j) {
      ws.position_[rows] = sequence.start_position + static_cast<int64_t>(j);
      ws.sequence_of_[rows] = static_cast<int64_t>(s);
      if (sequence.scores_prompt || (sequence.wants_logits && j + 1 == sequence.tokens.size())) {
        GH_CHECK(logit_count < ws.max_logits_);
        ws.logit_rows_[logit_count++] = rows;
      }
      ++rows;
    }
  }
  ws.rows_ = rows;
  const int64_t hidden = config_.hidden_size, half = rope_.half();
  ws.model_input_.bind(ws.normed_.data(), rows, hidden);
  ws.attention_input_.bind(ws.attention_.data(), rows, config_.num_attention_heads * config_.head_dim);
  ws.mlp_input_.bind(ws.gate_.data(), rows, config_.intermediate_size);
  ws.head_input_.bind(ws.normed_.data(), logit_count, hidden);

  pool.run([&](int thread) {
    auto [begin, end] = pool.share(thread, rows);
    for (int64_t row = begin; row < end; ++row) {
      const StepSequence& sequence = batch[ws.sequence_of_[row]];
      const int32_t token = sequence.tokens[ws.position_[row] - sequence.start_position];
      float* embedded = ws.hidden_.data() + row * hidden;
      if (embed_from_head_) {
        lm_head_.row_to_f32(token, embedded);
      } else {
        embedding_.row_to_f32(token, embedded);
      }
      rope_.angles(ws.position_[row], ws.cos_.data() + row * half, ws.sin_.data() + row * half);
    }
    pool.barrier();
    for (size_t layer = 0; layer < layers_.size(); ++layer) {
      run_layer(layers_[layer], static_cast<int64_t>(layer), batch, cache, ws, pool, thread);
    }
    // The LM head, for the last token of each sequence that wants logits (every token of those
    // that score their prompt).
    auto [logit_begin, logit_end] = pool.share(thread, logit_count);
    for (int64_t r = logit_begin; r < logit_end; ++r) {
      rms_norm(ws.hidden_.data() + ws.logit_rows_[r] * hidden, final_norm_.data(), ws.normed_.data() + r * hidden,
               hidden, config_.rms_norm_eps);
    }
    prepare(ws.head_input_, {&lm_head_}, logit_begin, logit_end, 0, hidden);
    pool.barrier();
    if (logit_count > 0) {
      for (auto [n_begin, n_end] : pool.parts(thread, lm_head_.rows(), 64)) {
        lm_head_.apply(ws.head_input_, n_begin, n_end, ws.logits_.data(), lm_head_.rows());
      }
    }
  });
}

// Seven meetings per layer: after each norm, after q/k/v, after attention, after each residual
// update, and after gate/up. Between them threads take parts of each product as they go
// (ThreadPool::next_part), and whoever computes a part finishes it: a part of q/k/v is whole heads,
// so its thread also applies their norms and rotary embeddings and stores the keys and values; a
// part of attention or gate/up is prepared for the next product by the thread that wrote it.
void DecoderModel::run_layer(const Layer& layer, int64_t index, std::span<const StepSequence> batch, KvCache& cache,
                             Workspace& ws, ThreadPool& pool, int thread) const {
  const int64_t tokens = ws.rows_;
  const int64_t hidden = config_.hidden_size, head = config_.head_dim, half = rope_.half();
  const int64_t kv_width = config_.num_key_value_heads * head;
  const int64_t inner = config_.intermediate_size, block_size = cache.shape().block_size;
  auto [begin, end] = pool.share(thread, tokens);

  rms_norm_rows(ws.hidden_.data(), layer.input_norm, ws.normed_.data(), begin, end, hidden);
  prepare(ws.model_input_, {&layer.q, &layer.k, &layer.v}, begin, end, 0, hidden);
  pool.barrier();

  // q, k and v, in parts of whole heads; then per head its norm and rotary embedding, and the new
  // keys and values into the cache.
  for (auto [linear, out, bias, which] : {std::tuple{&layer.q, &ws.q_, &layer.q_bias, 'q'},
                                          std::tuple{&layer.k, &ws.k_, &layer.k_bias, 'k'},
                                          std::tuple{&layer.v, &ws.v_, &layer.v_bias, 'v'}}) {
    const int64_t width = linear->rows();
    for (auto [n_begin, n_end] : pool.parts(thread, width, head)) {
      linear->apply(ws.model_input_, n_begin, n_end, out->data(), width);
      add_bias(out->data(), tokens, width, *bias, n_begin, n_end);
      for (int64_t row = 0; row < tokens; ++row) {
        float* values = out->data() + row * width;
        if (which != 'v') {
          const std::vector<float>& norm = which == 'q' ? layer.q_norm : layer.k_norm;
          for (int64_t h = n_begin; h < n_end; h += head) {
            if (qk_norm_) rms_norm(values + h, norm.data(), values + h, head, config_.rms_norm_eps);
            rope_.rotate(values + h, ws.cos_.data() + row * half, ws.sin_.data() + row * half);
          }
        }
        if (which == 'q') continue;
        const StepSequence& sequence = batch[ws.sequence_of_[row]];
        const int64_t position = ws.position_[row];
        const int32_t block = sequence.block_table[position / block_size];
        float* slot = (which == 'k' ? cache.keys(index, block) : cache.values(index, block)) +
                      (position % block_size) * kv_width;
        std::memcpy(slot + n_begin, values + n_begin, (n_end - n_begin) * sizeof(float));
      }
    }
  }
  pool.barrier();
  attend(index, batch, cache, ws, pool, thread, layer.o);
  pool.barrier();

  // Output projection, added to the residual stream column by column.
  for (auto [n_begin, n_end] : pool.parts(thread, hidden, row_granule(tokens))) {
    layer.o.apply(ws.attention_input_, n_begin, n_end, ws.projected_.data(), hidden);
    add_residual(ws.projected_.data(), ws.hidden_.data(), tokens, hidden, n_begin, n_end);
  }
  pool.barrier();

  // MLP: down(silu(gate(x)) * up(x)), in parts of the inner columns.
  rms_norm_rows(ws.hidden_.data(), layer.post_attention_norm, ws.normed_.data(), begin, end, hidden);
  prepare(ws.model_input_, {&layer.gate, &layer.up}, begin, end, 0, hidden);
  pool.barrier();
  for (auto [n_begin, n_end] : pool.parts(thread, inner, inner_granule(tokens))) {
    layer.gate.apply(ws.model_input_, n_begin, n_end, ws.gate_.data(), inner);
    layer.up.apply(ws.model_input_, n_begin, n_end, ws.up_.data(), inner);
    // Row by row, each prepared for the down projection while it is in L1.
    for (int64_t m = 0; m < tokens; ++m) {
      kernels::kernels().silu_mul(ws.gate_.data() + m * inner + n_begin, ws.up_.data() + m * inner + n_begin,
                                  n_end - n_begin);
      prepare(ws.mlp_input_, {&layer.down}, m, m + 1, n_begin, n_end);
    }
  }
  pool.barrier();
  for (auto [n_begin, n_end] : pool.parts(thread, hidden, row_granule(tokens))) {
    layer.down.apply(ws.mlp_input_, n_begin, n_end, ws.projected_.data(), hidden);
    add_residual(ws.projected_.data(), ws.hidden_.data(), tokens, hidden, n_begin, n_end);
  }
  pool.barrier();
}

// Work items are (row, group of heads); a group is whole key-value heads' sets of query heads, which
// score and weigh each cached row together, and spans whole blocks of 32 output columns so the
// thread that computes it can also prepare it for the output projection.
void DecoderModel::attend(int64_t index, std::span<const StepSequence> batch, KvCache& cache, Workspace& ws,
                          ThreadPool& pool, int thread, const Linear& output) const {
  const auto& k = kernels::kernels();
  const int64_t tokens = ws.rows_;
  const int64_t head = config_.head_dim, heads = config_.num_attention_heads;
  const int64_t group = heads / config_.num_key_value_heads, kv_width = config_.num_key_value_heads * head;
  const int64_t block_size = cache.shape().block_size, groups = heads / attention_group_;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head));
  const bool sliding = config_.sliding_window && index >= config_.first_sliding_layer;
  float* scores = ws.scores_.data() + static_cast<size_t>(thread) * group * ws.max_context_;

  for (auto [item_begin, item_end] : pool.parts(thread, tokens * groups)) {
    for (int64_t item = item_begin; item < item_end; ++item) {
      const int64_t row = item / groups, first_head = item % groups * attention_group_;
      const StepSequence& sequence = batch[ws.sequence_of_[row]];
      const int64_t position = ws.position_[row];
      const int64_t first = sliding ? std::max<int64_t>(0, position - *config_.sliding_window + 1) : 0;
      // Positions [first, position] lie in runs within the sequence's cache blocks.
      auto for_each_run = [&](auto visit) {
        for (int64_t j = first; j <= position;) {
          const int64_t run = std::min(block_size - j % block_size, position + 1 - j);
          visit(j, sequence.block_table[j / block_size], j % block_size, run);
          j += run;
        }
      };
      // The query heads of each key-value head together: `group` rows of `span` scores.
      const int64_t span = position + 1 - first;
      for (int64_t h = first_head; h < first_head + attention_group_; h += group) {
        const int64_t kv_offset = h / group * head;
        const float* q = ws.q_.data() + row * heads * head + h * head;
        for_each_run([&](int64_t j, int32_t block, int64_t offset, int64_t run) {
          k.dot_rows(q, group, cache.keys(index, block) + offset * kv_width + kv_offset, kv_width, run, head, scale,
                     scores + j - first, span);
        });
        for (int64_t g = 0; g < group; ++g) k.softmax(scores + g * span, span);
        float* out = ws.attention_.data() + row * heads * head + h * head;
        std::fill(out, out + group * head, 0.0f);
        for_each_run([&](int64_t j, int32_t block, int64_t offset, int64_t run) {
          k.add_weighted_rows(scores + j - first, group, span, cache.values(index, block) + offset * kv_width + kv_offset,
                              kv_width, run, head, out);
        });
      }
      prepare(ws.attention_input_, {&output}, row, row + 1, first_head * head, (first_head + attention_group_) * head);
    }
  }
}

}  // namespace gatehouse::engine
