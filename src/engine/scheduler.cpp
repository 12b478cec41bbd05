#include "engine/scheduler.h"

#include <algorithm>

#include "base/error.h"

namespace gatehouse::engine {

Scheduler::Scheduler(BlockAllocator& allocator, SchedulerLimits limits) : allocator_(allocator), limits_(limits) {}

void Scheduler::add(std::unique_ptr<Sequence> sequence) { waiting_.push_back(std::move(sequence)); }

bool Scheduler::reserve(Sequence& sequence, int64_t positions) {
  const int64_t block_size = allocator_.block_size();
  while (static_cast<int64_t>(sequence.blocks.size()) * block_size < positions) {
    auto block = allocator_.allocate();
    if (!block) return false;
    sequence.blocks.push_back(*block);
  }
  return true;
}

// Takes the prompt's leading full blocks from the prefix cache. The last prompt token is always
// computed, since its logits give the first output token.
void Scheduler::take_cached_prefix(Sequence& sequence) {
  const int64_t block_size = allocator_.block_size();
  const int64_t reusable = (static_cast<int64_t>(sequence.tokens.size()) - 1) / block_size;
  uint64_t hash = 0;
  for (int64_t b = 0; b < reusable; ++b) {
    std::span<const int32_t> tokens(sequence.tokens.data() + b * block_size, block_size);
    const uint64_t next = BlockAllocator::chain_hash(hash, tokens);
    auto block = allocator_.lookup(next, tokens);
    if (!block) break;
    sequence.blocks.push_back(*block);
    hash = next;
    sequence.registered_blocks = b + 1;
  }
  sequence.last_block_hash = hash;
  sequence.computed = sequence.registered_blocks * block_size;
  if (sequence.output_length() == 0) sequence.cached_prompt = std::min(sequence.computed, sequence.prompt_length);
}

bool Scheduler::sibling_pending(const Sequence& sequence) const {
  if (sequence.index == 0) return false;
  for (const auto& other : running_) {
    if (other->request_id == sequence.request_id && other->index == 0) {
      return other->computed < other->prompt_length - 1;
    }
  }
  for (const auto& other : waiting_) {
    if (other->request_id == sequence.request_id && other->index == 0) return true;
  }
  return false;
}

std::vector<ScheduledChunk> Scheduler::schedule() {
  std::vector<ScheduledChunk> chunks;
  int64_t budget = limits_.max_num_batched_tokens;
  int64_t score_rows = limits_.prompt_score_rows;
  bool preempted = false;
  // The tokens a sequence computes this step: what it has left, within the budgets.
  auto chunk_size = [&](const Sequence& sequence) {
    int64_t count = std::min<int64_t>(static_cast<int64_t>(sequence.tokens.size()) - sequence.computed, budget);
    if (sequence.scores_prompt()) count = std::min(count, score_rows);
    return count;
  };
  auto take = [&](Sequence& sequence, int64_t count) {
    chunks.push_back({&sequence, count});
    budget -= count;
    if (sequence.scores_prompt()) score_rows -= count;
  };

  // Running sequences first, oldest first; the newest give way when blocks run out.
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    Sequence& sequence = *running_[i];
    const int64_t count = chunk_size(sequence);
    if (count == 0) {
      ++i;
      continue;
    }
    bool admitted = true;
    while (!reserve(sequence, sequence.computed + count)) {
      preempted = true;
      if (running_.size() - 1 == i) {
        preempt(&sequence);
        admitted = false;
        break;
      }
      preempt(running_.back().get());
    }
    if (!admitted) break;
    take(sequence, count);
    ++i;
  }

  // Then waiting sequences, in arrival order, while there is room.
  for (size_t i = 0; i < waiting_.size() && budget > 0 && !preempted &&
                     static_cast<int64_t>(running_.size()) < limits_.max_num_seqs;) {
    Sequence& sequence = *waiting_[i];
    if (sibling_pending(sequence)) {
      ++i;
      continue;
    }
    const int64_t count = chunk_size(sequence);
    if (count == 0) {
      ++i;
      continue;
    }
    if (sequence.blocks.empty() && !sequence.scores_prompt()) take_cached_prefix(sequence);
    const int64_t admitted = chunk_size(sequence);
    if (!reserve(sequence, sequence.computed + admitted)) {
      release(sequence);
      break;
    }
    take(sequence, admitted);
    running_.push_back(std::move(waiting_[i]));
    waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(i));
  }
  return chunks;
}

void Scheduler::computed(const std::vector<ScheduledChunk>& chunks) {
  const int64_t block_size = allocator_.block_size();
  for (const ScheduledChunk& chunk : chunks) {
    Sequence& sequence = *chunk.sequence;
    sequence.computed += chunk.count;
    while ((sequence.registered_blocks + 1) * block_size <= sequence.computed) {
      const int64_t b = sequence.registered_blocks;
      std::span<const int32_t> tokens(sequence.tokens.data() + b * block_size, block_size);
      sequence.last_block_hash = BlockAllocator::chain_hash(sequence.last_block_hash, tokens);
      allocator_.register_full(sequence.blocks[b], sequence.last_block_hash, tokens);
      ++sequence.registered_blocks;
    }
  }
}

void Scheduler::release(Sequence& sequence) {
  for (int32_t block : sequence.blocks) allocator_.release(block);
  sequence.blocks.clear();
  sequence.computed = 0;
  sequence.registered_blocks = 0;
  sequence.last_block_hash = 0;
}

void Scheduler::preempt(Sequence* sequence) {
  auto found = std::find_if(running_.begin(), running_.end(), [&](const auto& s) { return s.get() == sequence; });
  GH_CHECK(found != running_.end());
  release(*sequence);
  waiting_.push_front(std::move(*found));
  running_.erase(found);
  ++preemptions_;
}

void Scheduler::finish(Sequence* sequence) {
  release(*sequence);
  auto owned = [&](const auto& s) { return s.get() == sequence; };
  if (auto found = std::find_if(running_.begin(), running_.end(), owned); found != running_.end()) {
    running_.erase(found);
  } else if (auto queued = std::find_if(waiting_.begin(), waiting_.end(), owned); queued != waiting_.end()) {
    waiting_.erase(queued);
  }
}

std::vector<Sequence*> Scheduler::find(const std::string& request_id) {
  std::vector<Sequence*> found;
  for (const auto& sequence : running_) {
    if (sequence->request_id == request_id) found.push_back(sequence.get());
  }
  for (const auto& sequence : waiting_) {
    if (sequence->request_id == request_id) found.push_back(sequence.get());
  }
  return found;
}

}  // namespace gatehouse::engine
