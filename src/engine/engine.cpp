#include "engine/engine.h"

#include <algorithm>
#include <map>

#include "base/error.h"
#include "base/log.h"
#include "engine/block_allocator.h"
#include "engine/kv_cache.h"
#include "engine/models/decoder.h"
#include "engine/scheduler.h"
#include "engine/thread_pool.h"

namespace gatehouse::engine {
namespace {

constexpr int64_t kDefaultKvBytes = int64_t{4} << 30;

std::string mebibytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

}  // namespace

struct Engine::State {
  State(const std::filesystem::path& folder, const EngineOptions& options)
      : pool(options.threads), model(folder, options.quantization, options.weights, pool) {}

  ThreadPool pool;
  DecoderModel model;
  std::unique_ptr<KvCache> cache;
  std::unique_ptr<BlockAllocator> allocator;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<DecoderModel::Workspace> workspace;
  std::vector<int32_t> eos_token_ids;
  std::map<std::string, int64_t> live_sequences;  // per request id
  int64_t last_step_tokens = 0;
  std::vector<SequenceUpdate> aborted;
  uint64_t arrivals = 0;
};

Engine::Engine(const std::filesystem::path& folder, EngineOptions options)
    : state_(std::make_unique<State>(folder, options)), generation_config_(GenerationConfig::load(folder)) {
  const ModelConfig& config = state_->model.config();
  if (options.block_size <= 0 || options.block_size > 1024) {
    throw Error(ErrorCode::invalid_argument, "block size must be between 1 and 1024, got " + std::to_string(options.block_size));
  }
  if (options.max_num_seqs <= 0 || options.max_num_batched_tokens <= 0) {
    throw Error(ErrorCode::invalid_argument, "max_num_seqs and max_num_batched_tokens must be positive");
  }
  if (options.max_model_len < 0 || options.kv_cache_bytes < 0 || options.threads < 0) {
    throw Error(ErrorCode::invalid_argument, "max_model_len, the KV cache memory and threads cannot be negative (0 means the default)");
  }
  if (options.max_model_len > config.max_position_embeddings) {
    throw Error(ErrorCode::invalid_argument,
                "max_model_len " + std::to_string(options.max_model_len) + " is larger than the model's max_position_embeddings " +
                    std::to_string(config.max_position_embeddings));
  }
  const KvCacheShape shape = state_->model.kv_shape(options.block_size);
  const int64_t wanted_len = options.max_model_len > 0 ? options.max_model_len : config.max_position_embeddings;
  int64_t blocks = (options.kv_cache_bytes > 0 ? options.kv_cache_bytes : kDefaultKvBytes) / shape.block_bytes();
  if (options.kv_cache_bytes <= 0) {
    // No use reserving more than every sequence at full length could take.
    blocks = std::min(blocks, options.max_num_seqs * ((wanted_len + options.block_size - 1) / options.block_size));
  }
  const int64_t capacity = blocks * options.block_size;
  if (options.max_model_len <= 0 && options.kv_cache_bytes <= 0) {
    max_model_len_ = std::min(wanted_len, capacity);
  } else if (wanted_len > capacity) {
    throw Error(ErrorCode::invalid_argument,
                "max_model_len " + std::to_string(wanted_len) + " is larger than the " + std::to_string(capacity) +
                    " tokens the KV cache can hold (" + mebibytes(blocks * shape.block_bytes()) + ", " +
                    std::to_string(blocks) + " blocks of " + std::to_string(options.block_size) +
                    " positions); raise the KV cache memory or lower max_model_len");
  } else {
    max_model_len_ = wanted_len;
  }
  if (max_model_len_ < 2) throw Error(ErrorCode::invalid_argument, "the KV cache cannot hold even two positions; raise the KV cache memory");

  state_->cache = std::make_unique<KvCache>(shape, blocks);
  state_->allocator = std::make_unique<BlockAllocator>(blocks, options.block_size, options.prefix_caching);
  const SchedulerLimits limits{.max_num_seqs = options.max_num_seqs, .max_num_batched_tokens = options.max_num_batched_tokens};
  state_->scheduler = std::make_unique<Scheduler>(*state_->allocator, limits);
  state_->workspace = std::make_unique<DecoderModel::Workspace>(
      state_->model, options.max_num_batched_tokens,
      std::min(options.max_num_seqs, options.max_num_batched_tokens) + limits.prompt_score_rows, max_model_len_,
      state_->pool.size());
  for (int64_t id : config.eos_token_ids) state_->eos_token_ids.push_back(static_cast<int32_t>(id));
  for (int64_t id : generation_config_.eos_token_ids) state_->eos_token_ids.push_back(static_cast<int32_t>(id));
  GH_LOG(info) << "engine: " << config.architecture_name << ", " << config.num_hidden_layers << " layers, "
               << mebibytes(state_->model.weight_bytes()) << " of weights ("
               << (state_->model.weights_resident() ? "in memory" : "memory-mapped") << "); KV cache " << blocks << " blocks of "
               << options.block_size << " (" << mebibytes(blocks * shape.block_bytes()) << "), max_model_len "
               << max_model_len_ << ", " << state_->pool.size() << " threads";
}

Engine::~Engine() = default;

const ModelConfig& Engine::config() const { return state_->model.config(); }
int Engine::threads() const { return state_->pool.size(); }
bool Engine::weights_resident() const { return state_->model.weights_resident(); }
int64_t Engine::weight_bytes() const { return state_->model.weight_bytes(); }

void Engine::add_request(Request request) {
  const int64_t vocab = config().vocab_size;
  request.params.validate(vocab);
  if (request.prompt.empty()) throw Error(ErrorCode::invalid_argument, "the prompt must contain at least one token");
  for (int32_t token : request.prompt) {
    if (token < 0 || token >= vocab) {
      throw Error(ErrorCode::invalid_argument, "prompt token id " + std::to_string(token) + " is outside the vocabulary [0, " +
                                                   std::to_string(vocab) + ")");
    }
  }
  const int64_t length = static_cast<int64_t>(request.prompt.size());
  if (length >= max_model_len_) {
    throw Error(ErrorCode::invalid_argument, "the prompt has " + std::to_string(length) + " tokens, but max_model_len is " +
                                                 std::to_string(max_model_len_) + "; shorten the prompt");
  }
  if (state_->live_sequences.contains(request.id)) {
    throw Error(ErrorCode::invalid_argument, "a request with id " + request.id + " is already running");
  }
  auto params = std::make_shared<const SamplingParams>(request.params);
  for (int64_t index = 0; index < params->n; ++index) {
    auto sequence = std::make_unique<Sequence>();
    sequence->request_id = request.id;
    sequence->index = index;
    sequence->arrival = state_->arrivals++;
    sequence->params = params;
    sequence->sampler = std::make_unique<Sampler>(*params, state_->eos_token_ids, static_cast<uint64_t>(index));
    sequence->tokens = request.prompt;
    sequence->prompt_length = length;
    state_->scheduler->add(std::move(sequence));
  }
  state_->live_sequences[request.id] = params->n;
}

namespace {

SequenceUpdate update_for(const Sequence& sequence) {
  SequenceUpdate update;
  update.request_id = sequence.request_id;
  update.index = sequence.index;
  update.prompt_tokens = sequence.prompt_length;
  update.cached_prompt_tokens = sequence.cached_prompt;
  update.output_tokens = sequence.output_length();
  update.first_scheduled = sequence.first_scheduled.value_or(std::chrono::steady_clock::now());
  return update;
}

FinishReason finish_after(Sequence& sequence, int32_t token, const std::vector<int32_t>& eos, int64_t max_model_len) {
  const SamplingParams& params = *sequence.params;
  if (sequence.output_length() >= params.min_tokens) {
    if (std::find(params.stop_token_ids.begin(), params.stop_token_ids.end(), token) != params.stop_token_ids.end()) {
      sequence.stop_token = token;
      return FinishReason::stop;
    }
    if (!params.ignore_eos && std::find(eos.begin(), eos.end(), token) != eos.end()) return FinishReason::stop;
  }
  if (sequence.output_length() >= params.max_tokens) return FinishReason::length;
  if (static_cast<int64_t>(sequence.tokens.size()) >= max_model_len) return FinishReason::length;
  return FinishReason::none;
}

// Scores the prompt tokens a chunk's rows predict (row j predicts the token after it), once each
// (a preempted sequence computes its prompt again). Returns the row after the chunk's scoring
// rows, except that the last one, which also samples, is left to the sampler.
int64_t score_prompt(Sequence& sequence, const StepSequence& chunk, DecoderModel::Workspace& workspace, int64_t row,
                     int64_t vocab) {
  const int64_t count = static_cast<int64_t>(chunk.tokens.size());
  for (int64_t j = 0; j < count; ++j) {
    const int64_t target = chunk.start_position + j + 1;
    if (target < sequence.prompt_length && target - 1 == static_cast<int64_t>(sequence.prompt_logprobs.size())) {
      sequence.prompt_logprobs.push_back(sequence.sampler->score(
          {workspace.logits(row + j), static_cast<size_t>(vocab)}, sequence.tokens[target], *sequence.params->prompt_logprobs));
    }
  }
  return row + (chunk.wants_logits ? count - 1 : count);
}

}  // namespace

std::vector<SequenceUpdate> Engine::step() {
  State& s = *state_;
  std::vector<SequenceUpdate> updates = std::move(s.aborted);
  s.aborted.clear();
  // A cancelled id stays taken until its abort is reported, so updates never mix two requests.
  for (const SequenceUpdate& update : updates) s.live_sequences.erase(update.request_id);
  const std::vector<ScheduledChunk> chunks = s.scheduler->schedule();
  s.last_step_tokens = 0;
  if (chunks.empty()) return updates;
  const auto now = std::chrono::steady_clock::now();

  std::vector<StepSequence> batch;
  batch.reserve(chunks.size());
  for (const ScheduledChunk& chunk : chunks) {
    Sequence& sequence = *chunk.sequence;
    if (!sequence.first_scheduled) sequence.first_scheduled = now;
    s.last_step_tokens += chunk.count;
    batch.push_back({.tokens = std::span<const int32_t>(sequence.tokens).subspan(sequence.computed, chunk.count),
                     .start_position = sequence.computed,
                     .block_table = sequence.blocks,
                     .wants_logits = chunk.samples(),
                     .scores_prompt = sequence.scores_prompt()});
  }
  s.model.forward(batch, *s.cache, *s.workspace, s.pool);
  s.scheduler->computed(chunks);

  const int64_t vocab = config().vocab_size;
  int64_t row = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    Sequence& sequence = *chunks[i].sequence;
    if (batch[i].scores_prompt) row = score_prompt(sequence, batch[i], *s.workspace, row, vocab);
    if (!batch[i].wants_logits) continue;
    SampledToken sampled =
        sequence.sampler->sample({s.workspace->mutable_logits(row++), static_cast<size_t>(vocab)}, sequence.prompt(), sequence.output());
    SequenceUpdate update;
    if (sampled.token == Sampler::kNoToken) {
      sequence.finish = FinishReason::constraint;
      update = update_for(sequence);
    } else {
      sequence.tokens.push_back(sampled.token);
      sequence.finish = finish_after(sequence, sampled.token, s.eos_token_ids, max_model_len_);
      update = update_for(sequence);
      update.new_tokens.push_back(sampled.token);
      if (sequence.params->logprobs) update.new_logprobs.push_back(std::move(sampled));
    }
    if (sequence.params->prompt_logprobs && sequence.index == 0 && sequence.output_length() == 1) {
      update.prompt_logprobs = sequence.prompt_logprobs;
    }
    update.finish = sequence.finish;
    update.stop_token = sequence.stop_token;
    updates.push_back(std::move(update));
    if (sequence.finish != FinishReason::none) {
      if (--s.live_sequences[sequence.request_id] == 0) s.live_sequences.erase(sequence.request_id);
      s.scheduler->finish(&sequence);
    }
  }
  return updates;
}

void Engine::cancel(const std::string& request_id) {
  State& s = *state_;
  for (Sequence* sequence : s.scheduler->find(request_id)) {
    SequenceUpdate update = update_for(*sequence);
    update.finish = FinishReason::abort;
    s.aborted.push_back(std::move(update));
    s.scheduler->finish(sequence);
  }
}

void Engine::stop_sequence(const std::string& request_id, int64_t index) {
  State& s = *state_;
  for (Sequence* sequence : s.scheduler->find(request_id)) {
    if (sequence->index != index) continue;
    sequence->finish = FinishReason::stop;
    if (--s.live_sequences[request_id] == 0) s.live_sequences.erase(request_id);
    s.scheduler->finish(sequence);
  }
}

bool Engine::has_unfinished() const {
  return state_->scheduler->running() + state_->scheduler->waiting() > 0 || !state_->aborted.empty();
}

EngineStats Engine::stats() const {
  const State& s = *state_;
  return {.running = s.scheduler->running(),
          .waiting = s.scheduler->waiting(),
          .kv_blocks = s.allocator->num_blocks(),
          .kv_blocks_used = s.allocator->used(),
          .preemptions = s.scheduler->preemptions(),
          .last_step_tokens = s.last_step_tokens};
}

}  // namespace gatehouse::engine
