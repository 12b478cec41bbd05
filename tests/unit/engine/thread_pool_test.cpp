// Every thread runs the work once per run, barriers separate phases, shares cover the range.
#include "engine/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
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

TEST(ThreadPool, SharesCoverTheRangeInGranules) {
  ThreadPool pool(2);
  auto [a_begin, a_end] = pool.share(0, 100, 16);
  auto [b_begin, b_end] = pool.share(1, 100, 16);
  EXPECT_EQ(a_begin, 0);
  EXPECT_EQ(a_end % 16, 0);
  EXPECT_EQ(a_end, b_begin);
  EXPECT_EQ(b_end, 100);
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
