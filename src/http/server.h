// The HTTP/1.1 server every Gatehouse service runs on (Boost.Beast and Asio behind this header):
// keep-alive, bounded request sizes, timeouts for slow clients, and file bodies sent with
// sendfile(2) so large downloads cost no copies. The handler is called on the server's threads,
// concurrently; it must be thread-safe. A Server owns its threads and sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "HEAD", "POST", ...
  std::string target;  // as received: path and query, still percent-encoded
  std::string path;    // the target before '?'
  std::string query;   // the target after '?', or empty
  Headers headers;     // names lower-cased
  std::string body;
  std::string peer;  // the client's address, for logs

  // The first header with this (lower-case) name, or nullptr.
  const std::string* header(std::string_view name) const;
};

// A region of a file sent as the body after the headers.
struct FileRegion {
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  std::optional<FileRegion> file;  // when set, the body is this region (Content-Length = its length)

  // Replaces any header of that name.
  Response& set_header(std::string name, std::string value);
  static Response with_body(int status, std::string body, std::string content_type);
  static Response json(int status, std::string body) { return with_body(status, std::move(body), "application/json"); }
  static Response text(int status, std::string body) {
    return with_body(status, std::move(body), "text/plain; charset=utf-8");
  }
};

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (read it back with Server::port())
  int threads = 4;
  size_t max_body_bytes = 16u << 20;
  size_t max_header_bytes = 64u << 10;
  std::chrono::seconds request_timeout{30};  // to receive one whole request
  std::chrono::seconds idle_timeout{75};     // between requests on a keep-alive connection
  std::chrono::seconds send_timeout{300};    // without progress while sending a response
  // The response for requests the server itself refuses (malformed, too large, timed out).
  std::function<Response(int status, const std::string& message)> error_response;
};

class Server {
 public:
  // Binds and listens; throws Error(unavailable) naming the address when it cannot.
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // Serves on the configured number of threads until stop(); returns when stopped.
  void run();
  // Thread-safe; run() returns soon after.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The reason phrase of a status, e.g. "Not Found".
std::string_view status_reason(int status);

}  // namespace gatehouse::http
