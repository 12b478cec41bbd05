// A fixed team of threads that runs one function on all of them at once (SPMD), with a barrier
// they can meet at inside it. The model's forward pass is one such run per step: threads split
// every matrix product by output rows and meet at a barrier between phases, so a decode step
// costs a few microseconds of synchronization per phase instead of a task queue's. Workers spin
// briefly between runs and then sleep. run() is called from one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace gatehouse::engine {

class ThreadPool {
 public:
  // `threads` counts the caller, which takes part as thread 0; 0 means one per core.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return size_; }
  // Runs work(thread_index) on every thread and returns when all have returned.
  void run(const std::function<void(int)>& work);
  // Inside run(): waits until every thread has reached it.
  void barrier();

  // The part [begin, end) of `count` items that thread `index` takes; parts are multiples of
  // `granule` except the last.
  std::pair<int64_t, int64_t> share(int index, int64_t count, int64_t granule = 1) const;

 private:
  void worker(int index);

  int size_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* work_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> finished_{0};
  std::atomic<bool> stopping_{false};
  // Sense-reversing barrier.
  std::atomic<int> barrier_waiting_{0};
  std::atomic<uint64_t> barrier_phase_{0};
};

}  // namespace gatehouse::engine
