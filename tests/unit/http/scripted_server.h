// Test-only fault-injection fixture: a loopback HTTP/1.1 server on 127.0.0.1:<free port> that
// answers each request with raw bytes chosen by a script, so tests can send responses a real
// server would not (truncated bodies, stalls, odd headers) and check what the client sent.
// One thread accepts; each connection gets its own thread (so a client holding a keep-alive
// connection never blocks another). The destructor stops and joins everything.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace gatehouse::http::testing {

class ScriptedServer {
 public:
  struct Request {
    std::string method;
    std::string target;  // as on the request line: path and query
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;
    int connection = 0;  // index of the accepted connection, from 0

    const std::string* header(std::string_view name) const;
  };

  struct Reply {
    std::string raw;     // bytes written as is
    bool close = false;  // close the connection after writing
    bool hang = false;   // write nothing; wait until the client goes away
  };

  using Script = std::function<Reply(const Request&)>;

  // `script` may run on several connection threads at once.
  explicit ScriptedServer(Script script);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  int port() const { return port_; }
  std::string url(std::string_view path, std::string_view host = "127.0.0.1") const;
  std::vector<Request> requests() const;
  int connections() const;

  // A complete response with Content-Length: "HTTP/1.1 <status> X\r\n<headers>...\r\n\r\n<body>".
  static std::string response(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                              std::string_view body, bool head = false);

 private:
  void accept_loop();
  void serve(int fd, int index);

  Script script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::vector<int> connection_fds_;
  std::vector<std::thread> connection_threads_;
  std::thread acceptor_;
};

}  // namespace gatehouse::http::testing
