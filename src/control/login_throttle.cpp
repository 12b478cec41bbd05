#include "control/login_throttle.h"

#include <algorithm>

#include "base/error.h"

namespace gatehouse::control {

LoginThrottle::LoginThrottle(Options options, std::function<Clock::time_point()> now)
    : options_(options), now_(std::move(now)) {
  // forget_stale relies on it: an entry quiet for a whole window is no longer blocked.
  GH_CHECK(options_.max_delay <= options_.window && options_.max_clients > 0);
}

std::chrono::seconds LoginThrottle::retry_after(const std::string& client) const {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(client);
  if (found == entries_.end()) return std::chrono::seconds(0);
  auto left = found->second->blocked_until - now_();
  if (left <= Clock::duration::zero()) return std::chrono::seconds(0);
  return std::chrono::ceil<std::chrono::seconds>(left);
}

void LoginThrottle::record_failure(const std::string& client) {
  std::lock_guard lock(mutex_);
  const auto now = now_();
  forget_stale(now);
  auto found = entries_.find(client);
  if (found == entries_.end()) {
    if (entries_.size() >= options_.max_clients && !recency_.empty()) {
      entries_.erase(recency_.front().client);
      recency_.pop_front();
    }
    recency_.push_back(Entry{.client = client, .failures = 0, .last_failure = now, .blocked_until = now});
    found = entries_.emplace(client, std::prev(recency_.end())).first;
  } else {
    recency_.splice(recency_.end(), recency_, found->second);  // now the most recent
  }
  Entry& entry = *found->second;
  entry.failures += 1;
  entry.last_failure = now;
  int doublings = entry.failures - options_.free_failures;
  if (doublings >= 0) {
    // first_delay * 2^doublings; past 30 doublings the cap applies anyway (and the shift would overflow).
    auto delay = doublings > 30 ? options_.max_delay
                                : std::min(options_.first_delay * (int64_t(1) << doublings), options_.max_delay);
    entry.blocked_until = now + delay;
  }
}

void LoginThrottle::record_success(const std::string& client) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(client);
  if (found == entries_.end()) return;
  recency_.erase(found->second);
  entries_.erase(found);
}

size_t LoginThrottle::tracked_clients() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

// Entries are in order of last failure, so the stale ones (quiet for a whole window and no longer
// blocked) are at the front.
void LoginThrottle::forget_stale(Clock::time_point now) {
  while (!recency_.empty()) {
    const Entry& oldest = recency_.front();
    if (now - oldest.last_failure < options_.window || now < oldest.blocked_until) break;
    entries_.erase(oldest.client);
    recency_.pop_front();
  }
}

}  // namespace gatehouse::control
