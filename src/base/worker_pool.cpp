#include "base/worker_pool.h"

#include <exception>

#include "base/error.h"
#include "base/log.h"

namespace gatehouse {

WorkerPool::WorkerPool(int threads, size_t max_queued) : max_queued_(max_queued) {
  GH_CHECK(threads >= 1);
  for (int i = 0; i < threads; ++i) slots_.push_back(std::make_unique<Slot>());
  threads_.reserve(slots_.size());
  for (auto& slot : slots_) threads_.emplace_back([this, &slot = *slot] { work(slot); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (Slot* slot : idle_) slot->woken = true;
  }
  for (auto& slot : slots_) slot->wake.notify_one();
  for (std::thread& thread : threads_) thread.join();
}

bool WorkerPool::try_submit(std::function<void()> job) {
  Slot* woken = nullptr;
  {
    std::lock_guard lock(mutex_);
    // A job waits only when every thread is taken; the bound is on the waiting ones.
    const size_t idle = threads_.size() - busy_;
    if (stopping_ || queue_.size() >= max_queued_ + idle) return false;
    queue_.push_back(std::move(job));
    if (!idle_.empty()) {
      woken = idle_.back();
      idle_.pop_back();
      woken->woken = true;
    }
  }
  if (woken) woken->wake.notify_one();
  return true;
}

WorkerPool::Load WorkerPool::load() const {
  std::lock_guard lock(mutex_);
  const size_t idle = threads_.size() - busy_;
  return Load{threads_.size(), busy_, queue_.size() > idle ? queue_.size() - idle : 0, max_queued_};
}

void WorkerPool::work(Slot& slot) {
  std::unique_lock lock(mutex_);
  while (true) {
    if (queue_.empty()) {
      if (stopping_) return;  // and nothing left to run
      idle_.push_back(&slot);
      slot.wake.wait(lock, [&slot] { return slot.woken; });
      slot.woken = false;
      continue;
    }
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
