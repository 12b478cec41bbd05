// A fixed team of threads that runs one function on all of them at once (SPMD), with a barrier
// they can meet at inside it. The model's forward pass is one such run per step: threads split
// every matrix product by output rows, taking parts from a shared counter as they go, and meet at
// a barrier between phases, so a decode step costs a few microseconds of synchronization per
// phase instead of a task queue's. Workers spin briefly between runs and then sleep. run() is
// called from one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <iterator>
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

  // Inside run(): the next part [begin, end) of `count` items (whole granules but the last) for
  // thread `index`, or an empty range once every part is taken. Parts go to whichever thread asks
  // first, big ones first and small ones at the end, so that a thread the memory or the machine
  // slows down leaves the rest of its work to the others instead of holding them all at the next
  // barrier. A split of only a few granules per thread goes out in fixed shares instead (one part
  // each, which thread takes the larger share turning from split to split), as taking parts would
  // cost more than it evens out. Every thread must go through the
  // same sequence of splits, asking each for parts until it gets an empty one; consecutive splits
  // need no barrier between them.
  std::pair<int64_t, int64_t> next_part(int index, int64_t count, int64_t granule = 1);
  // next_part as a range: for (auto [begin, end] : pool.parts(thread, count, granule)).
  class Parts;
  Parts parts(int index, int64_t count, int64_t granule = 1);

 private:
  void worker(int index);

  int size_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* work_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> finished_{0};
  std::atomic<bool> stopping_{false};
  // next_part: the granules handed out in this run, over all splits so far; per thread, where its
  // current split starts on that count, and whether it has had its share of a small split.
  struct alignas(64) SplitState {
    int64_t start = 0;
    bool shared = false;
    int64_t fixed_splits = 0;  // splits so far this run that went out in fixed shares
  };
  alignas(64) std::atomic<int64_t> granules_taken_{0};
  std::vector<SplitState> split_state_;
  // Sense-reversing barrier.
  std::atomic<int> barrier_waiting_{0};
  std::atomic<uint64_t> barrier_phase_{0};
  // Threads asleep in run()'s or barrier()'s wait.
  std::atomic<int> sleepers_{0};
};

class ThreadPool::Parts {
 public:
  class Iterator {
   public:
    std::pair<int64_t, int64_t> operator*() const { return part_; }
    Iterator& operator++() {
      part_ = parts_->pool_.next_part(parts_->index_, parts_->count_, parts_->granule_);
      return *this;
    }
    bool operator!=(std::default_sentinel_t) const { return part_.first < part_.second; }

   private:
    friend class Parts;
    Iterator(Parts* parts) : parts_(parts) { ++*this; }
    Parts* parts_;
    std::pair<int64_t, int64_t> part_;
  };

  Iterator begin() { return Iterator(this); }
  std::default_sentinel_t end() const { return {}; }

 private:
  friend class ThreadPool;
  Parts(ThreadPool& pool, int index, int64_t count, int64_t granule)
      : pool_(pool), index_(index), count_(count), granule_(granule) {}
  ThreadPool& pool_;
  int index_;
  int64_t count_;
  int64_t granule_;
};

inline ThreadPool::Parts ThreadPool::parts(int index, int64_t count, int64_t granule) {
  return Parts(*this, index, count, granule);
}

}  // namespace gatehouse::engine
