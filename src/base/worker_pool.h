// A fixed set of threads that run submitted jobs in order from a bounded queue, for work that must
// not run on a caller's thread (a blocking upstream call started from a server's event loop). When
// every thread is busy and the queue is full, try_submit() refuses the job at once, so overload
// turns into an answer the caller chooses (a 429), never into unbounded memory. A job goes to the
// thread that went idle last: the few threads a light load needs stay warm (their caches, and the
// keep-alive connections a thread-local client keeps), and the others sleep.
// Thread-safe. The destructor stops taking jobs, lets the threads finish the queued ones, and
// joins them. A job must not throw (an escaping exception is logged and dropped).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace gatehouse {

class WorkerPool {
 public:
  // `threads` >= 1 run the jobs; at most `max_queued` more wait for one.
  WorkerPool(int threads, size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues the job; false (and the job dropped) when the queue is full or the pool is stopping.
  bool try_submit(std::function<void()> job);

  struct Load {
    size_t threads = 0;
    size_t busy = 0;    // threads running a job
    size_t queued = 0;  // jobs waiting for a thread
    size_t max_queued = 0;
  };
  Load load() const;

 private:
  struct Slot {
    std::condition_variable wake;
    bool woken = false;
  };
  void work(Slot& slot);

  const size_t max_queued_;
  mutable std::mutex mutex_;
  std::deque<std::function<void()>> queue_;
  std::vector<Slot*> idle_;  // threads waiting for a job, the most recently idle last
  size_t busy_ = 0;
  bool stopping_ = false;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::thread> threads_;
};

}  // namespace gatehouse
