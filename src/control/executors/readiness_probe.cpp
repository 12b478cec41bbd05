#include "control/executors/readiness_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/error.h"
#include "base/file.h"

namespace gatehouse::control {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// Waits for `events` on `fd` until `deadline`; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd entry{fd, events, 0};
    const int ready = poll(&entry, 1, int(left));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

files::UniqueFd connect_loopback(uint16_t port, Clock::time_point deadline) {
  files::UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return files::UniqueFd();
  const sockaddr_in address = loopback(port);
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    if (errno != EINPROGRESS || !wait_for(fd.get(), POLLOUT, deadline)) return files::UniqueFd();
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) return files::UniqueFd();
  }
  return fd;
}

bool http_get_succeeds(int fd, const Probe& probe, uint16_t port, Clock::time_point deadline) {
  const std::string path = probe.endpoint_path.empty() || probe.endpoint_path.front() != '/' ? "/" + probe.endpoint_path : probe.endpoint_path;
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                              "\r\nUser-Agent: gatehouse-probe\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) sent += size_t(n);
    else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd, POLLOUT, deadline)) return false;
    } else return false;
  }
  // "HTTP/1.1 200" is all that is needed: the status line's first 12 bytes.
  std::string head;
  while (head.size() < 12) {
    char buffer[64];
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) head.append(buffer, size_t(n));
    else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd, POLLIN, deadline)) return false;
    } else return false;
  }
  if (!head.starts_with("HTTP/1.") || head[8] != ' ') return false;
  const int status = std::atoi(head.substr(9, 3).c_str());
  return status >= 200 && status < 400;
}

}  // namespace

bool probe_replica(const Probe& probe, uint16_t port, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  files::UniqueFd fd = connect_loopback(port, deadline);
  if (fd.get() < 0) return false;
  if (probe.scheme == "TCP") return true;
  return http_get_succeeds(fd.get(), probe, port, deadline);
}

uint16_t free_local_port() {
  files::UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (fd.get() < 0 || bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw Error(ErrorCode::resource_exhausted, std::string("no free port on 127.0.0.1: ") + std::strerror(errno));
  }
  return ntohs(address.sin_port);
}

}  // namespace gatehouse::control
