#include "base/worker_pool.h"

#include <exception>

#include "base/error.h"
#include "base/log.h"

namespace gatehouse {

WorkerPool::WorkerPool(int threads, size_t max_queued) : max_queued_(max_queued) {
  GH_CHECK(threads >= 1);
  threads_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

bool WorkerPool::try_submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    // A job waits only when every thread is taken; the bound is on the waiting ones.
    const size_t idle = threads_.size() - busy_;
    if (stopping_ || queue_.size() >= max_queued_ + idle) return false;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

WorkerPool::Load WorkerPool::load() const {
  std::lock_guard lock(mutex_);
  const size_t idle = threads_.size() - busy_;
  return Load{threads_.size(), busy_, queue_.size() > idle ? queue_.size() - idle : 0, max_queued_};
}

void WorkerPool::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to run
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    try {
      job();
    } catch (const std::exception& error) {
      GH_LOG(error) << "worker job failed: " << error.what();
    }
    job = nullptr;  // its captures go before the thread counts as idle
    lock.lock();
    --busy_;
  }
}

}  // namespace gatehouse
