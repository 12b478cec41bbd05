// Internal to the server (server.cpp and proxy_relay.cpp include it): one proxied exchange
// (ProxyTarget in http/server.h), run by the client connection's coroutine on its thread.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "http/server.h"
#include "http/server_connection.h"
#include "http/upstream_pool.h"

namespace gatehouse::http {

using ProxiedHeader = boost::beast::http::response<boost::beast::http::empty_body>;

// The client's side of the exchange, as the server read it.
struct ProxyClient {
  ServerConnection& connection;
  const Request& request;
  bool head = false;
  bool http10 = false;
  bool keep_alive = false;
  std::chrono::seconds send_timeout{300};
  size_t max_header_bytes = 64u << 10;
  // Puts the upstream's status and headers (in `response`) on the message, with the server's
  // own headers (CORS) and the connection's fate.
  std::function<void(ProxiedHeader& message, Response& response, bool keep_alive)> finish_header;
};

struct Relayed {
  bool keep_alive = false;          // whether the client connection may carry another request
  std::optional<Response> answer;  // to send instead: the upstream failed before its status line
};

// The status line and headers of `message` as they go on the wire.
std::string wire_header(const boost::beast::http::response_header<>& message);

// Writes `buffers` to the client: at once when its socket has room (no operation, deadline or
// wake-up: most answers go that way), the rest with at most `send_timeout` without progress. False
// when the client is gone.
boost::asio::awaitable<bool> write_to_client(ServerConnection& connection,
                                             std::span<const boost::asio::const_buffer> buffers,
                                             std::chrono::seconds send_timeout);

// Forwards the request, relays the answer, calls target.on_done once.
boost::asio::awaitable<Relayed> relay(ProxyClient client, const ProxyTarget& target, UpstreamPool& pool);

}  // namespace gatehouse::http
