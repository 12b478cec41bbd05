// Continuous batching over the paged KV cache, after vLLM's scheduler. Every step takes, within a
// token budget, one token of each running sequence and chunks of waiting prompts (a long prompt
// is prefilled over several steps, so running streams keep their pace). New sequences first take
// whatever full blocks of their prompt the prefix cache holds. When blocks run out, the most
// recently admitted running sequence is preempted: its blocks are released and it goes back to
// the front of the queue to be recomputed later (its full blocks usually survive in the prefix
// cache). The n sequences of one request wait for the first to fill the cache with the prompt. A
// sequence that scores its prompt (prompt_logprobs) computes it all, without the prefix cache.
// Not thread-safe: the Engine drives it from one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "engine/block_allocator.h"
#include "engine/sequence.h"

namespace gatehouse::engine {

struct SchedulerLimits {
  int64_t max_num_seqs = 256;
  int64_t max_num_batched_tokens = 2048;
  // Prompt rows whose logits one step scores at most (requests with prompt_logprobs): each needs
  // a whole vocabulary row of logits, so their prefill goes in small chunks.
  int64_t prompt_score_rows = 32;
};

// One sequence's share of a step: compute `count` tokens starting at its `computed`.
struct ScheduledChunk {
  Sequence* sequence = nullptr;
  int64_t count = 0;
  bool samples() const { return sequence->computed + count == static_cast<int64_t>(sequence->tokens.size()); }
};

class Scheduler {
 public:
  Scheduler(BlockAllocator& allocator, SchedulerLimits limits);

  void add(std::unique_ptr<Sequence> sequence);
  // The next step's work; empty when nothing can run.
  std::vector<ScheduledChunk> schedule();
  // Marks the chunks computed and offers newly full blocks to the prefix cache.
  void computed(const std::vector<ScheduledChunk>& chunks);
  // Releases a finished (or aborted) sequence and forgets it.
  void finish(Sequence* sequence);
  // Every sequence of a request, waiting or running.
  std::vector<Sequence*> find(const std::string& request_id);

  int64_t running() const { return static_cast<int64_t>(running_.size()); }
  int64_t waiting() const { return static_cast<int64_t>(waiting_.size()); }
  int64_t preemptions() const { return preemptions_; }

 private:
  bool reserve(Sequence& sequence, int64_t positions);
  void take_cached_prefix(Sequence& sequence);
  void preempt(Sequence* sequence);
  void release(Sequence& sequence);
  bool sibling_pending(const Sequence& sequence) const;

  BlockAllocator& allocator_;
  SchedulerLimits limits_;
  std::vector<std::unique_ptr<Sequence>> running_;  // in admission order
  std::deque<std::unique_ptr<Sequence>> waiting_;
  int64_t preemptions_ = 0;
};

}  // namespace gatehouse::engine
