#include "http/upstream_pool.h"

#include <sys/socket.h>

#include <cerrno>

namespace gatehouse::http {
namespace {

// An idle HTTP connection has nothing to read: end of stream means the upstream closed it, and
// bytes would be an answer to nothing.
bool looks_alive(UpstreamPool::Socket& socket) {
  char byte;
  const ssize_t peeked = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

std::optional<UpstreamPool::Socket> UpstreamPool::take(const Key& key) {
  auto found = idle_.find(key);
  if (found == idle_.end()) return std::nullopt;
  std::deque<Idle>& idle = found->second;
  const Clock::time_point now = Clock::now();
  std::optional<Socket> socket;
  while (!idle.empty() && !socket) {
    Idle last = std::move(idle.back());
    idle.pop_back();
    if (now - last.since < max_idle_time_ && looks_alive(last.socket)) socket.emplace(std::move(last.socket));
  }
  if (idle.empty()) idle_.erase(found);
  return socket;
}

void UpstreamPool::give_back(const Key& key, Socket socket) {
  const Clock::time_point now = Clock::now();
  close_expired(now);
  std::deque<Idle>& idle = idle_[key];
  idle.push_back({std::move(socket), now});
  while (idle.size() > max_idle_per_upstream_) idle.pop_front();
}

void UpstreamPool::close_expired(Clock::time_point now) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    std::deque<Idle>& idle = it->second;
    while (!idle.empty() && now - idle.front().since >= max_idle_time_) idle.pop_front();
    it = idle.empty() ? idle_.erase(it) : std::next(it);
  }
}

}  // namespace gatehouse::http
