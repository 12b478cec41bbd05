// Continuous batching decisions: token budget and chunked prefill, prefix reuse, preemption when
// blocks run out, and the n samples of one request waiting for the first to fill the cache.
#include "engine/scheduler.h"

#include <gtest/gtest.h>

#include <numeric>

namespace gatehouse::engine {
namespace {

std::unique_ptr<Sequence> make_sequence(const std::string& id, int64_t prompt_length, int64_t index = 0, int32_t first = 0) {
  auto sequence = std::make_unique<Sequence>();
  sequence->request_id = id;
  sequence->index = index;
  sequence->tokens.resize(prompt_length);
  std::iota(sequence->tokens.begin(), sequence->tokens.end(), first);
  sequence->prompt_length = prompt_length;
  return sequence;
}

// Runs a step as the engine would: marks the chunks computed and appends a token to each
// sequence that reached the end of its tokens.
std::vector<ScheduledChunk> step(Scheduler& scheduler) {
  auto chunks = scheduler.schedule();
  std::vector<Sequence*> sampled;
  for (const auto& chunk : chunks) {
    if (chunk.samples()) sampled.push_back(chunk.sequence);
  }
  scheduler.computed(chunks);
  for (Sequence* sequence : sampled) sequence->tokens.push_back(1000);
  return chunks;
}

TEST(Scheduler, ChunksALongPromptWithinTheBudget) {
  BlockAllocator allocator(64, 4, true);
  Scheduler scheduler(allocator, {.max_num_seqs = 8, .max_num_batched_tokens = 10});
  scheduler.add(make_sequence("a", 25));
  auto chunks = step(scheduler);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].count, 10);
  EXPECT_EQ(step(scheduler)[0].count, 10);
  chunks = step(scheduler);
  EXPECT_EQ(chunks[0].count, 5);
  Sequence* sequence = scheduler.find("a")[0];
  EXPECT_EQ(sequence->tokens.size(), 26u);  // sampled after the last chunk
  EXPECT_EQ(step(scheduler)[0].count, 1);   // then decodes one token per step
}

TEST(Scheduler, RunningSequencesKeepDecodingWhileAPromptIsPrefilled) {
  BlockAllocator allocator(64, 4, true);
  Scheduler scheduler(allocator, {.max_num_seqs = 8, .max_num_batched_tokens = 8});
  scheduler.add(make_sequence("short", 3));
  step(scheduler);
  scheduler.add(make_sequence("long", 40, 0, 500));
  auto chunks = step(scheduler);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].sequence->request_id, "short");
  EXPECT_EQ(chunks[0].count, 1);
  EXPECT_EQ(chunks[1].count, 7);
}

TEST(Scheduler, ReusesCachedPromptBlocks) {
  BlockAllocator allocator(64, 4, true);
  Scheduler scheduler(allocator, {.max_num_seqs = 8, .max_num_batched_tokens = 64});
  scheduler.add(make_sequence("first", 10));
  step(scheduler);
  scheduler.finish(scheduler.find("first")[0]);
  scheduler.add(make_sequence("second", 10));
  auto chunks = step(scheduler);
  ASSERT_EQ(chunks.size(), 1u);
  // Two full blocks (8 tokens) come from the cache; the rest is computed.
  EXPECT_EQ(chunks[0].count, 2);
  EXPECT_EQ(chunks[0].sequence->cached_prompt, 8);
}

TEST(Scheduler, PreemptsTheNewestWhenBlocksRunOut) {
  BlockAllocator allocator(4, 4, false);
  Scheduler scheduler(allocator, {.max_num_seqs = 8, .max_num_batched_tokens = 64});
  scheduler.add(make_sequence("old", 8));
  scheduler.add(make_sequence("new", 8, 0, 100));
  step(scheduler);  // both admitted: 2 blocks each, 9 tokens now each
  EXPECT_EQ(scheduler.running(), 2);
  auto chunks = step(scheduler);  // each needs a third block: "new" gives way
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].sequence->request_id, "old");
  EXPECT_EQ(scheduler.waiting(), 1);
  EXPECT_EQ(scheduler.preemptions(), 1);
  Sequence* preempted = scheduler.find("new")[0];
  EXPECT_EQ(preempted->computed, 0);
  EXPECT_EQ(preempted->tokens.size(), 9u);  // its output is kept and recomputed later
  scheduler.finish(scheduler.find("old")[0]);
  chunks = step(scheduler);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].count, 9);
}

TEST(Scheduler, SamplesOfOneRequestWaitForThePrompt) {
  BlockAllocator allocator(64, 4, true);
  Scheduler scheduler(allocator, {.max_num_seqs = 8, .max_num_batched_tokens = 64});
  scheduler.add(make_sequence("r", 9, 0));
  scheduler.add(make_sequence("r", 9, 1));
  auto chunks = step(scheduler);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].sequence->index, 0);
  chunks = step(scheduler);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[1].sequence->index, 1);
  EXPECT_EQ(chunks[1].count, 1);  // 8 prompt tokens shared through the cache
}

TEST(Scheduler, RespectsMaxNumSeqs) {
  BlockAllocator allocator(64, 4, true);
  Scheduler scheduler(allocator, {.max_num_seqs = 2, .max_num_batched_tokens = 64});
  for (int i = 0; i < 3; ++i) scheduler.add(make_sequence(std::to_string(i), 3, 0, i * 10));
  EXPECT_EQ(step(scheduler).size(), 2u);
  EXPECT_EQ(scheduler.waiting(), 1);
}

}  // namespace
}  // namespace gatehouse::engine

namespace gatehouse::engine {
namespace {

TEST(Scheduler, PromptScoringGoesInSmallChunksAndSkipsThePrefixCache) {
  BlockAllocator allocator(64, 4, true);
  Scheduler scheduler(allocator, {.max_num_seqs = 8, .max_num_batched_tokens = 100, .prompt_score_rows = 6});
  scheduler.add(make_sequence("first", 20));
  step(scheduler);  // computes the whole prompt: its full blocks go to the prefix cache
  auto scoring = make_sequence("scored", 20);
  auto params = std::make_shared<SamplingParams>();
  params->prompt_logprobs = 0;
  scoring->params = params;
  Sequence* scored = scoring.get();
  scheduler.add(std::move(scoring));
  auto scored_chunk = [&](const std::vector<ScheduledChunk>& chunks) {
    for (const ScheduledChunk& chunk : chunks) {
      if (chunk.sequence == scored) return chunk.count;
    }
    return int64_t{0};
  };
  EXPECT_EQ(scored_chunk(step(scheduler)), 6);  // prompt_score_rows per step
  EXPECT_EQ(scored->cached_prompt, 0);          // the cached prompt blocks were not taken
  EXPECT_EQ(scored_chunk(step(scheduler)), 6);
  // The engine records the scores; once all 19 are there the rest of the prompt is not limited.
  scored->prompt_logprobs.resize(19);
  EXPECT_EQ(scored_chunk(step(scheduler)), 8);
}

}  // namespace
}  // namespace gatehouse::engine
