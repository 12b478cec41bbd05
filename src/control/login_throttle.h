// Slows down password guessing on POST /login/, per client (the peer's address as a string).
// Once a client has failed `free_failures` times, each attempt after that must wait: first_delay
// after that failure, twice as long after the next (1 s, 2 s, 4 s, ...), up to max_delay. While it
// must wait, the API answers 429 with Retry-After without checking the password. A success
// forgets the client, and so does a quiet `window` after its last failure (max_delay must not
// exceed window).
// Memory is bounded: at most max_clients are tracked, the least recently failing forgotten first
// (a client with enough addresses can always spread its guesses; the throttle bounds what one
// address can do). Thread-safe.
//
//   if (auto wait = throttle.retry_after(peer); wait > 0s) -> 429 with Retry-After: wait.count()
//   else if (store.check_password(...)) throttle.record_success(peer); else throttle.record_failure(peer);
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace gatehouse::control {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    int free_failures = 5;
    std::chrono::seconds first_delay{1};
    std::chrono::seconds max_delay{300};
    std::chrono::seconds window{900};
    size_t max_clients = 10000;
  };

  explicit LoginThrottle(Options options, std::function<Clock::time_point()> now = Clock::now);
  LoginThrottle() : LoginThrottle(Options{}) {}

  // How long `client` must wait before its next attempt (whole seconds, rounded up, for
  // Retry-After); zero when it may try now.
  std::chrono::seconds retry_after(const std::string& client) const;
  void record_failure(const std::string& client);
  void record_success(const std::string& client);

  size_t tracked_clients() const;

 private:
  struct Entry {
    std::string client;
    int failures = 0;
    Clock::time_point last_failure;
    Clock::time_point blocked_until;
  };
  using Recency = std::list<Entry>;  // least recently failing first

  void forget_stale(Clock::time_point now);

  const Options options_;
  const std::function<Clock::time_point()> now_;
  mutable std::mutex mutex_;
  Recency recency_;
  std::unordered_map<std::string, Recency::iterator> entries_;
};

}  // namespace gatehouse::control
