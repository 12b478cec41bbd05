// The idle keep-alive connections a server's proxy keeps to its upstreams (http/server.h,
// ProxyTarget), as plain socket descriptors so that whichever connection takes one drives it on
// its own thread. Bounded per upstream; a connection idle longer than the limit is closed at the
// next give_back() (any upstream's) or take() (its own). take() hands out only connections that
// still look alive (no end of stream or stray bytes waiting). Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "base/file.h"

namespace gatehouse::http {

class UpstreamPool {
 public:
  using Key = std::pair<std::string, uint16_t>;  // address and port
  using Clock = std::chrono::steady_clock;

  UpstreamPool(size_t max_idle_per_upstream, Clock::duration max_idle_time)
      : max_idle_per_upstream_(max_idle_per_upstream), max_idle_time_(max_idle_time) {}

  // The most recently used live idle connection to `key`, or an empty UniqueFd.
  files::UniqueFd take(const Key& key);
  // Keeps a connection whose last exchange ended cleanly, closing the oldest beyond the bound.
  void give_back(const Key& key, files::UniqueFd socket);

 private:
  struct Idle {
    files::UniqueFd socket;
    Clock::time_point since;
  };
  void close_expired(Clock::time_point now);

  const size_t max_idle_per_upstream_;
  const Clock::duration max_idle_time_;
  mutable std::mutex mutex_;
  std::map<Key, std::deque<Idle>> idle_;  // oldest first
};

}  // namespace gatehouse::http
