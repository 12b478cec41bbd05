// The HTTP/1.1 server every Gatehouse service runs on (Boost.Beast and Asio behind this header):
// keep-alive, bounded request sizes, timeouts for slow clients, file bodies sent with sendfile(2)
// so large downloads cost no copies, and bodies produced later by another thread (ResponseStream:
// server-sent events, or an answer that takes a while). HTTP/1.0 clients get the same answers
// without chunked framing (a stream ends with the connection); absolute-form targets
// ("GET http://host/path") are routed on their path, their authority becoming the Host; a request
// body in a transfer coding other than plain chunked is refused (501) before it is read.
// Threads: each of the server's threads runs its own event loop, and each accepted connection is
// given to one of them (in turn) for its whole life. The handler is called on those threads,
// concurrently; it must be thread-safe. A handler that blocks (a password hash, a database call)
// stalls every connection of its thread meanwhile, not the others: keep such work short or move it
// to another thread and answer through a ResponseStream. A Server owns its threads and sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/file.h"

namespace gatehouse::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "HEAD", "POST", ...
  std::string target;  // as received: path and query, still percent-encoded
  std::string path;    // the target before '?'
  std::string query;   // the target after '?', or empty
  Headers headers;     // names lower-cased
  std::string body;
  std::string peer;  // the client's IP address (logs, X-Forwarded-For)

  // The first header with this (lower-case) name, or nullptr.
  const std::string* header(std::string_view name) const;
};

// A region of an open file sent as the body after the headers. The handler opens (and checks)
// the file; the server sends from that very descriptor, so nothing can be swapped in between.
struct FileRegion {
  std::shared_ptr<const files::UniqueFd> file;
  uint64_t offset = 0;
  uint64_t length = 0;
};

class ResponseStream;
class CorsPolicy;
struct Response;

// A server to forward a request to: an IP literal (loopback in practice) and a port.
struct Upstream {
  std::string host;
  uint16_t port = 0;
};

// How a proxied exchange ended, for ProxyTarget::on_done.
enum class ProxyOutcome {
  completed,             // the whole answer reached the client
  upstream_unreachable,  // no connection could be made
  upstream_failed,       // the upstream broke the exchange (closed, reset, malformed answer)
  client_gone,           // the client left first; the upstream connection was closed
  timed_out,             // no upstream byte for response_timeout
};

struct ProxyTarget;

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  std::optional<FileRegion> file;  // when set, the body is this region (Content-Length = its length)
  // When set, the answer comes later from this stream: either chunks sent after this response's
  // status and headers (chunked transfer encoding), or a whole response given by finish().
  std::shared_ptr<ResponseStream> stream;
  // When set, the server forwards the request there and relays the answer (status, headers and
  // body are the upstream's); the fields above are ignored.
  std::shared_ptr<const ProxyTarget> proxy;

  // Replaces any header of that name.
  Response& set_header(std::string name, std::string value);
  static Response with_body(int status, std::string body, std::string content_type);
  static Response json(int status, std::string body) { return with_body(status, std::move(body), "application/json"); }
  static Response text(int status, std::string body) {
    return with_body(status, std::move(body), "text/plain; charset=utf-8");
  }
  static Response proxied(ProxyTarget target);
};

// What the upstream answered, or how it failed to, shown to ProxyTarget::on_answer before anything
// is relayed to the client.
struct ProxyAnswer {
  ProxyOutcome outcome = ProxyOutcome::completed;  // completed: `status` and `headers` are the upstream's
  std::string detail;  // for a failure: what happened, naming the upstream
  int status = 0;
  Headers headers;  // less the hop-by-hop ones
  std::optional<std::string> body;  // the whole body, when ProxyTarget::whole_body_for asked for it
};

// How the answer's body ends, for a ProxyVerdict's body filter.
enum class BodyEnd {
  more,      // more bytes may follow
  complete,  // the upstream's body is complete
  failed,    // the upstream broke off mid-body (or sent no byte for response_timeout)
};

// Sees the answer's body bytes as they pass and returns what the client gets instead (possibly
// nothing, possibly more): called for each piece, then once with `end` other than more (and no
// bytes) when the body is over. Runs on the connection's thread; may keep state between calls.
using BodyFilter = std::function<std::string(std::string_view bytes, BodyEnd end)>;

// What ProxyTarget::on_answer decides.
struct ProxyVerdict {
  enum class Kind {
    relay,   // relay the upstream's answer (for a failure: the default error answer)
    retry,   // send the request to `next` instead (after `delay`); nothing of this answer is sent
    answer,  // send `answer` instead
  };
  Kind kind = Kind::relay;
  Headers headers;    // relay: set on the relayed answer, replacing any of the same name
  // relay: when set, the body passes through it and goes to the client chunked (any Content-Length
  // dropped); a body that breaks off mid-way ends with what the filter makes of it, cleanly.
  BodyFilter filter;
  std::shared_ptr<const ProxyTarget> next;  // retry
  std::chrono::milliseconds delay{0};       // retry: the wait before it
  std::optional<Response> answer;           // answer (not itself proxied)
};

// Where and how the server forwards a request instead of answering it (Response::proxied). The
// request goes out with its method, `target`, its headers less the hop-by-hop ones (and Expect:
// the body is sent whole), X-Forwarded-For (appended to), X-Forwarded-Proto and X-Forwarded-Host,
// over a keep-alive connection from the event loop's own pool for that upstream. The answer is
// relayed to the client as it arrives, one bounded piece at a time: a slow reader slows the
// upstream, and a client that leaves closes the upstream connection (which is how the upstream
// learns to stop). With on_answer, the owner of the target decides about each answer before any of
// it is relayed: relay it (with headers added and the body filtered), answer something else, or
// retry elsewhere.
struct ProxyTarget {
  Upstream upstream;
  std::string target;    // path and query sent upstream; empty: the request's own
  Headers extra_headers;  // set on the forwarded request, replacing any of the same name
  // False: none of the client's headers go upstream, only extra_headers and X-Forwarded-*.
  bool pass_request_headers = true;
  std::optional<std::string> body;  // sent instead of the request's own body
  std::chrono::milliseconds response_timeout{600'000};  // no upstream byte for this long ends the exchange
  // Called exactly once, on a server thread, when the exchange is over; not called for a target
  // whose on_answer retried elsewhere (the next target's is).
  std::function<void(ProxyOutcome)> on_done;
  // The answer when the upstream cannot be reached, fails or times out before its status line
  // (`detail` says what happened, naming the upstream). Default: 502 (504 for a timeout) with
  // {"error": detail}. An upstream that fails later ends the client's connection instead, without
  // the end of the chunked body, so the client sees an error rather than a truncated answer.
  // Not used when on_answer is set.
  std::function<Response(ProxyOutcome, const std::string& detail)> error_response;
  // Called on the connection's thread with the upstream's status and headers (or its failure)
  // before anything is relayed; without it, every answer is relayed.
  std::function<ProxyVerdict(ProxyAnswer)> on_answer;
  // For which statuses on_answer gets the whole body (at most max_whole_body bytes; a longer one
  // fails the exchange as upstream_failed).
  std::function<bool(int status)> whole_body_for;
  size_t max_whole_body = 1u << 20;
};

// The producer side of a deferred answer; thread-safe. The producer either write()s chunks and then
// close()s, or calls finish() once before any write() to replace the whole response (an error found
// late, or a non-streamed answer computed on another thread). When the client goes away first, the
// on_client_gone callback runs once (on a server thread) and later writes are dropped.
class ResponseStream {
 public:
  void write(std::string chunk);
  void close();
  void finish(Response response);
  // A header sent with the response's own when the first chunk goes out (replacing any of that
  // name), for what is known only then (a time to first byte); ignored after the first write().
  void set_header(std::string name, std::string value);
  // Set before returning the response; replaced, not chained.
  void on_client_gone(std::function<void()> callback);
  bool client_gone() const;

 private:
  friend class Server;  // its Impl drains the stream
  struct Drained {
    std::string chunks;              // every chunk written since the last drain, concatenated
    std::optional<Response> whole;   // set by finish()
    Headers headers;                 // set_header()'s, for the response's header
    bool closed = false;
  };
  // Server side: takes what is pending, or registers `wake` to run (once) when something arrives.
  Drained drain(std::function<void()> wake);
  void mark_client_gone();

  mutable std::mutex mutex_;
  std::string pending_;
  std::optional<Response> whole_;
  Headers headers_;
  bool closed_ = false;
  bool written_ = false;
  bool gone_ = false;
  std::function<void()> wake_;
  std::function<void()> on_gone_;
};

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (read it back with Server::port())
  int threads = 4;  // event loops, one connection on one of them from accept to close
  size_t max_body_bytes = 16u << 20;
  std::string max_body_flag;  // the command-line flag that sets max_body_bytes, named in a 413 ("": none)
  size_t max_header_bytes = 64u << 10;
  std::chrono::seconds request_timeout{30};  // to receive one whole request
  std::chrono::seconds idle_timeout{75};     // between requests on a keep-alive connection
  std::chrono::seconds send_timeout{300};    // without progress while sending a response
  // How long an event loop keeps polling after its last event before it sleeps; 0: it sleeps at
  // once. Polling trades a CPU while traffic flows for wake-ups that cost less (see run_event_loop).
  std::chrono::microseconds busy_poll{0};
  // The response for requests the server itself refuses (malformed, too large, timed out).
  std::function<Response(int status, const std::string& message)> error_response;
  // When set, preflights are answered by this policy before the handler sees them, and every other
  // answer gets its Access-Control-* headers (http/cors.h).
  std::shared_ptr<const CorsPolicy> cors;
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
