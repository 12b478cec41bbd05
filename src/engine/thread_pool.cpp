#include "engine/thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace gatehouse::engine {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

// Spins on `value` while it equals `old`, then sleeps on it: a decode step's phases are
// microseconds apart, but between requests the workers should not burn a core. Sleepers are
// counted so that advance_and_wake makes a system call only when one sleeps: libstdc++'s
// notify_all makes one whenever any thread of the process waits on an address that falls in the
// same of its 16 slots, and a pool sleeping elsewhere in the process had made every barrier here a
// futex call (135M q8_0 decode ran 15% slower).
template <typename T>
void wait_while_equal(const std::atomic<T>& value, T old, std::atomic<int>& sleepers) {
  for (int spin = 0; spin < 20000; ++spin) {
    if (value.load(std::memory_order_acquire) != old) return;
    cpu_relax();
  }
  // Paired with advance_and_wake: either this load sees the new value or it sees the sleeper.
  sleepers.fetch_add(1, std::memory_order_seq_cst);
  while (value.load(std::memory_order_seq_cst) == old) value.wait(old, std::memory_order_seq_cst);
  sleepers.fetch_sub(1, std::memory_order_release);
}

// Moves `value` on and wakes whoever sleeps on it.
template <typename T>
void advance_and_wake(std::atomic<T>& value, const std::atomic<int>& sleepers) {
  value.fetch_add(1, std::memory_order_seq_cst);
  if (sleepers.load(std::memory_order_seq_cst) > 0) value.notify_all();
}

// next_part: splits with fewer granules than this per thread go out in fixed shares.
constexpr int64_t kMinGranulesPerThread = 4;

}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  size_ = threads;
  split_state_.resize(size_);
  for (int index = 1; index < size_; ++index) workers_.emplace_back([this, index] { worker(index); });
}

ThreadPool::~ThreadPool() {
  stopping_.store(true, std::memory_order_release);
  advance_and_wake(generation_, sleepers_);
  for (auto& thread : workers_) thread.join();
}

void ThreadPool::run(const std::function<void(int)>& work) {
  granules_taken_.store(0, std::memory_order_relaxed);
  for (SplitState& state : split_state_) state = {};
  if (size_ == 1) {
    work(0);
    return;
  }
  work_ = &work;
  finished_.store(0, std::memory_order_relaxed);
  advance_and_wake(generation_, sleepers_);
  work(0);
  for (int spin = 0; finished_.load(std::memory_order_acquire) != size_ - 1; ++spin) {
    if (spin < 200000) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
  work_ = nullptr;
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  while (true) {
    wait_while_equal(generation_, seen, sleepers_);
    seen = generation_.load(std::memory_order_acquire);
    if (stopping_.load(std::memory_order_acquire)) return;
    (*work_)(index);
    finished_.fetch_add(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::barrier() {
  if (size_ == 1) return;
  const uint64_t phase = barrier_phase_.load(std::memory_order_acquire);
  if (barrier_waiting_.fetch_add(1, std::memory_order_acq_rel) == size_ - 1) {
    barrier_waiting_.store(0, std::memory_order_relaxed);
    advance_and_wake(barrier_phase_, sleepers_);
    return;
  }
  wait_while_equal(barrier_phase_, phase, sleepers_);
}

std::pair<int64_t, int64_t> ThreadPool::share(int index, int64_t count, int64_t granule) const {
  const int64_t granules = (count + granule - 1) / granule;
  const int64_t begin = granules * index / size_ * granule;
  const int64_t end = granules * (index + 1) / size_ * granule;
  return {std::min(begin, count), std::min(end, count)};
}

std::pair<int64_t, int64_t> ThreadPool::next_part(int index, int64_t count, int64_t granule) {
  SplitState& state = split_state_[index];
  const int64_t granules = (count + granule - 1) / granule;
  // A split of few granules goes out in fixed shares: taking parts would cost more than it evens.
  // Which thread takes which share turns from split to split, so that the larger shares of uneven
  // splits (3 granules between 2 threads) do not all fall to the same thread.
  if (granules < kMinGranulesPerThread * size_) {
    if (!state.shared) {
      state.shared = true;
      const auto part = share(static_cast<int>((index + state.fixed_splits++) % size_), count, granule);
      if (part.first < part.second) return part;
    }
    state.shared = false;
    return {count, count};
  }
  int64_t& start = state.start;
  const int64_t end = start + granules;
  int64_t taken = granules_taken_.load(std::memory_order_relaxed);
  while (taken < end) {
    // A quarter of what is left with two threads: a few long runs, then short ones to even out.
    const int64_t size = std::max<int64_t>(1, (end - taken) / (2 * size_));
    if (granules_taken_.compare_exchange_weak(taken, taken + size, std::memory_order_relaxed)) {
      return {(taken - start) * granule, std::min(count, (taken + size - start) * granule)};
    }
  }
  // Every thread sees the count pass this split's end and moves on to the next split from there.
  start = end;
  return {count, count};
}

}  // namespace gatehouse::engine
