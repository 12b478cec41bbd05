// Internal to the server (server.cpp and proxy_relay.cpp include it): one accepted connection, its
// socket and the deadline of what the server waits for on it (a request, or room to write). A
// deadline is a time kept in memory and checked by one timer per connection that is armed lazily:
// setting a deadline is a store, and the timer moves only when it fires before the deadline it
// serves or a deadline comes earlier than it (Beast's tcp_stream re-armed a timer, and often the
// loop's timerfd, for every read and write). When a deadline passes, the socket's pending
// operations are cancelled (they end with operation_aborted).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

namespace gatehouse::http {

class ServerConnection {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ServerConnection(boost::asio::ip::tcp::socket socket);
  ~ServerConnection();
  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;

  boost::asio::ip::tcp::socket& socket() { return socket_; }
  // What the server waits for from now on must happen within `limit`.
  void expires_after(Clock::duration limit);
  // Nothing is waited for on the client's account (a handler runs, a producer is awaited).
  void expires_never();

 private:
  // Shared with the timer's pending handler, which may run after the connection is gone.
  struct Deadline {
    explicit Deadline(const boost::asio::any_io_executor& executor) : timer(executor) {}
    boost::asio::steady_timer timer;
    Clock::time_point at = Clock::time_point::max();        // the deadline
    Clock::time_point armed_at = Clock::time_point::max();  // the timer's; max: not armed
    uint64_t generation = 0;                                // of the timer's current wait
    boost::asio::ip::tcp::socket* socket = nullptr;  // null once the connection is gone
  };
  static void arm(const std::shared_ptr<Deadline>& deadline);

  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<Deadline> deadline_;
};

}  // namespace gatehouse::http
