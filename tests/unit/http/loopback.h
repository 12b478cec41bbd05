// Test helpers: an http::Server running on its own thread, and a raw loopback client that sends
// bytes as given and reads answers as they come (so malformed, slow and partial exchanges can be
// checked byte for byte).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <utility>

#include "http/server.h"

namespace gatehouse::http::testing {

class RunningServer {
 public:
  RunningServer(ServerOptions options, Handler handler) : server_(std::move(options), std::move(handler)) {
    thread_ = std::thread([this] { server_.run(); });
  }
  ~RunningServer() {
    server_.stop();
    thread_.join();
  }
  uint16_t port() const { return server_.port(); }

 private:
  Server server_;
  std::thread thread_;
};

class Connection {
 public:
  // A receive_buffer (bytes) keeps what the kernel buffers for a reader that stops reading small.
  explicit Connection(uint16_t port, int receive_buffer = 0) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (receive_buffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~Connection() { ::close(fd_); }

  void send(const std::string& data) { ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL), ssize_t(data.size())); }

  // Reads one response: headers, then Content-Length bytes of body (none when `head`).
  std::string response(bool head = false) {
    std::string data;
    char buffer[65536];
    size_t header_end;
    while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return data;
      data.append(buffer, size_t(n));
    }
    size_t length = 0;
    if (size_t at = data.find("Content-Length: "); at != std::string::npos) length = std::stoul(data.substr(at + 16));
    size_t want = header_end + 4 + (head ? 0 : length);
    while (data.size() < want) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      data.append(buffer, size_t(n));
    }
    return data;
  }

  // Reads until `marker` has arrived (or the peer closes or times out); returns everything read.
  std::string read_until(const std::string& marker) {
    char buffer[65536];
    while (received_.find(marker) == std::string::npos) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      received_.append(buffer, size_t(n));
    }
    return std::exchange(received_, {});
  }

  // Reads until the peer closes (or times out); returns everything read.
  std::string read_all() {
    std::string data = std::exchange(received_, {});
    char buffer[65536];
    for (ssize_t n; (n = ::recv(fd_, buffer, sizeof buffer, 0)) > 0;) data.append(buffer, size_t(n));
    return data;
  }

  // Reads up to `bytes` more (fewer when the peer closes); returns how many arrived.
  size_t discard(size_t bytes) {
    char buffer[65536];
    size_t total = 0;
    while (total < bytes) {
      ssize_t n = ::recv(fd_, buffer, std::min(sizeof buffer, bytes - total), 0);
      if (n <= 0) break;
      total += size_t(n);
    }
    return total;
  }

  // True when the server closed the connection (recv returns 0).
  bool closed_by_peer() {
    char byte;
    return ::recv(fd_, &byte, 1, 0) == 0;
  }

 private:
  int fd_;
  std::string received_;
};

}  // namespace gatehouse::http::testing
