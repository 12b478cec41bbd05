// Internal to the server (server.cpp and proxy_relay.cpp): the idle keep-alive connections one
// event loop keeps to its proxy upstreams (ProxyTarget in http/server.h). A connection stays a
// socket of that loop while idle, registered with its reactor, so taking it back costs no system
// call beyond the check that it still looks alive (no end of stream or stray bytes waiting).
// Bounded per upstream; a connection idle longer than the limit is closed at the next give_back()
// (any upstream's) or take() (its own). Used only from its loop's thread, and destroyed before its
// loop's io_context.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace gatehouse::http {

class UpstreamPool {
 public:
  using Key = std::pair<std::string, uint16_t>;  // address and port
  using Clock = std::chrono::steady_clock;
  using Socket = boost::asio::ip::tcp::socket;

  UpstreamPool(size_t max_idle_per_upstream, Clock::duration max_idle_time)
      : max_idle_per_upstream_(max_idle_per_upstream), max_idle_time_(max_idle_time) {}

  // The most recently used live idle connection to `key`, if any.
  std::optional<Socket> take(const Key& key);
  // Keeps a connection whose last exchange ended cleanly, closing the oldest beyond the bound.
  void give_back(const Key& key, Socket socket);

 private:
  struct Idle {
    Socket socket;
    Clock::time_point since;
  };
  void close_expired(Clock::time_point now);

  const size_t max_idle_per_upstream_;
  const Clock::duration max_idle_time_;
  std::map<Key, std::deque<Idle>> idle_;  // oldest first
};

}  // namespace gatehouse::http
