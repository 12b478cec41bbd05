// Every thread runs the work once per run, barriers separate phases (also after threads fell
// asleep), shares and parts cover the range.
#include "engine/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

namespace gatehouse::engine {
namespace {

TEST(ThreadPool, RunsOnEveryThreadAndMeetsAtBarriers) {
  ThreadPool pool(3);
  std::vector<int> phase_one(3), seen(3);
  for (int round = 0; round < 200; ++round) {
    pool.run([&](int thread) {
      phase_one[thread] = round;
      pool.barrier();
      // After the barrier every thread's first phase is visible.
      int sum = 0;
      for (int value : phase_one) sum += value;
      seen[thread] = sum;
    });
    for (int value : seen) ASSERT_EQ(value, 3 * round);
  }
}

// Waits longer than the spin (a few hundred microseconds) put threads to sleep, between runs and at
// barriers; they wake for the next run and when the last thread reaches the barrier.
TEST(ThreadPool, SleepingThreadsWake) {
  ThreadPool pool(3);
  std::vector<int> phase_one(3), seen(3);
  for (int round = 0; round < 6; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    pool.run([&](int thread) {
      if (thread == round % 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      phase_one[thread] = round;
      pool.barrier();
      seen[thread] = phase_one[0] + phase_one[1] + phase_one[2];
    });
    for (int value : seen) ASSERT_EQ(value, 3 * round);
  }
}

TEST(ThreadPool, SharesCoverTheRangeInGranules) {
  ThreadPool pool(2);
  auto [a_begin, a_end] = pool.share(0, 100, 16);
  auto [b_begin, b_end] = pool.share(1, 100, 16);
  EXPECT_EQ(a_begin, 0);
  EXPECT_EQ(a_end % 16, 0);
  EXPECT_EQ(a_end, b_begin);
  EXPECT_EQ(b_end, 100);
}

// Several splits back to back, without barriers between them, and an empty one: every item is
// taken exactly once, parts are whole granules but the last, and the big parts come first.
TEST(ThreadPool, PartsCoverEverySplitOnce) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    const std::vector<std::pair<int64_t, int64_t>> splits = {{1000, 16}, {7, 1}, {0, 4}, {130, 64}, {2048, 32}};
    for (int round = 0; round < 50; ++round) {
      std::vector<std::vector<std::atomic<int>>> taken(splits.size());
      for (size_t s = 0; s < splits.size(); ++s) taken[s] = std::vector<std::atomic<int>>(splits[s].first);
      std::atomic<bool> ragged{false}, growing{false};
      pool.run([&](int thread) {
        for (size_t s = 0; s < splits.size(); ++s) {
          const auto [count, granule] = splits[s];
          int64_t last_size = count;
          for (auto [begin, end] : pool.parts(thread, count, granule)) {
            if (begin % granule != 0 || (end % granule != 0 && end != count)) ragged = true;
            if (end - begin > last_size) growing = true;
            last_size = end - begin;
            for (int64_t i = begin; i < end; ++i) taken[s][i].fetch_add(1);
          }
        }
      });
      EXPECT_FALSE(ragged);
      EXPECT_FALSE(growing);
      for (size_t s = 0; s < splits.size(); ++s) {
        for (const auto& count : taken[s]) ASSERT_EQ(count.load(), 1) << "threads " << threads << " split " << s;
      }
    }
  }
}

// Splits of 7, 3 and 3 items between two threads, small enough to go out in fixed shares. The
// larger shares alternate, so the threads end with 7 and 6 items, not 8 and 5.
TEST(ThreadPool, SmallSplitsAlternateTheLargerShare) {
  ThreadPool pool(2);
  std::vector<int64_t> items(2, 0);
  pool.run([&](int thread) {
    for (int64_t count : {7, 3, 3}) {
      for (auto [begin, end] : pool.parts(thread, count)) items[thread] += end - begin;
    }
  });
  EXPECT_LE(std::max(items[0], items[1]) - std::min(items[0], items[1]), 1) << items[0] << " " << items[1];
  EXPECT_EQ(items[0] + items[1], 13);
}

TEST(ThreadPool, SingleThreadRunsInline) {
  ThreadPool pool(1);
  int calls = 0;
  pool.run([&](int thread) {
    EXPECT_EQ(thread, 0);
    pool.barrier();
    ++calls;
  });
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace gatehouse::engine
