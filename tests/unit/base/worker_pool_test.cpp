#include "base/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace gatehouse {
namespace {

TEST(WorkerPool, RunsEveryJobOnItsThreads) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(3, 100);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.try_submit([&done] { ++done; }));
  }  // the destructor lets the queued jobs finish
  EXPECT_EQ(done.load(), 50);
}

TEST(WorkerPool, RefusesJobsPastItsBoundAndTakesThemAgainWhenFree) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> started{0};
  WorkerPool pool(2, 3);
  auto blocking = [&] {
    ++started;
    released.wait();
  };
  // Two run (once their threads take them), three wait: the sixth is one too many.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(pool.try_submit(blocking)) << i;
  EXPECT_FALSE(pool.try_submit(blocking));
  while (started.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  WorkerPool::Load load = pool.load();
  EXPECT_EQ(load.threads, 2u);
  EXPECT_EQ(load.busy, 2u);
  EXPECT_EQ(load.queued, 3u);
  EXPECT_FALSE(pool.try_submit(blocking));
  release.set_value();
  for (int i = 0; i < 1000 && pool.load().busy + pool.load().queued > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(started.load(), 5);
  EXPECT_TRUE(pool.try_submit([] {}));
}

TEST(WorkerPool, AThrowingJobDoesNotStopItsThread) {
  WorkerPool pool(1, 10);
  std::promise<int> result;
  ASSERT_TRUE(pool.try_submit([] { throw std::runtime_error("job failed"); }));
  ASSERT_TRUE(pool.try_submit([&result] { result.set_value(7); }));
  auto future = result.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(future.get(), 7);
}

}  // namespace
}  // namespace gatehouse
