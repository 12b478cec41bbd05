// The server's reverse proxy (Response::proxied) between real servers on loopback: an http::Server
// or a scripted raw upstream behind, a second http::Server proxying, and a raw client in front.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>

#include "http/server.h"
#include "loopback.h"
#include "scripted_server.h"

namespace gatehouse::http {
namespace {

using testing::Connection;
using testing::RunningServer;
using testing::ScriptedServer;
using namespace std::chrono_literals;

// The outcomes on_done reported, in order.
class Outcomes {
 public:
  std::function<void(ProxyOutcome)> recorder() {
    return [this](ProxyOutcome outcome) {
      std::lock_guard lock(mutex_);
      outcomes_.push_back(outcome);
      changed_.notify_all();
    };
  }
  // Waits (at most 5 s) for `count` outcomes, then a little longer for any extra call.
  std::vector<ProxyOutcome> wait(size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 5s, [&] { return outcomes_.size() >= count; });
    changed_.wait_for(lock, 50ms, [&] { return outcomes_.size() > count; });
    return outcomes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<ProxyOutcome> outcomes_;
};

using Outcome = ProxyOutcome;

// A server whose handler proxies every request to the target `make` gives.
class Proxy {
 public:
  explicit Proxy(std::function<ProxyTarget(const Request&)> make, ServerOptions options = {})
      : server_(std::move(options), [this, make = std::move(make)](const Request& request) {
          ProxyTarget target = make(request);
          target.on_done = outcomes.recorder();
          return Response::proxied(std::move(target));
        }) {}
  uint16_t port() const { return server_.port(); }

  Outcomes outcomes;

 private:
  RunningServer server_;
};

ServerOptions with_threads(int threads) {
  ServerOptions options;
  options.threads = threads;
  return options;
}

ProxyTarget to(int port) {
  ProxyTarget target;
  target.upstream = {"127.0.0.1", uint16_t(port)};
  return target;
}

std::string body_of(const std::string& response) { return response.substr(response.find("\r\n\r\n") + 4); }

// The decoded chunked body, or nullopt when its last chunk has not arrived.
std::optional<std::string> dechunked(std::string_view body) {
  std::string out;
  while (true) {
    const size_t line_end = body.find("\r\n");
    if (line_end == std::string_view::npos) return std::nullopt;
    const size_t size = std::stoul(std::string(body.substr(0, line_end)), nullptr, 16);
    if (size == 0) return out;
    if (body.size() < line_end + 2 + size + 2) return std::nullopt;
    out.append(body.substr(line_end + 2, size));
    body.remove_prefix(line_end + 2 + size + 2);
  }
}

Response headers_echo(const Request& request) {
  std::string body = request.method + " " + request.target + " body=" + request.body + "\n";
  for (const auto& [name, value] : request.headers) body += name + ": " + value + "\n";
  return Response::text(200, body).set_header("X-Upstream", "yes");
}

// A producer thread per streamed answer, joined at the end of the test.
class Producers {
 public:
  ~Producers() {
    for (auto& thread : threads_) thread.join();
  }
  void spawn(std::function<void()> work) {
    std::lock_guard lock(mutex_);
    threads_.emplace_back(std::move(work));
  }

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

Response streamed(std::shared_ptr<ResponseStream> stream) {
  Response response = Response::with_body(200, "", "text/event-stream");
  response.stream = std::move(stream);
  return response;
}

TEST(HttpProxy, ForwardsTheRequestWithoutHopByHopHeaders) {
  RunningServer upstream({}, headers_echo);
  Proxy proxy([&](const Request&) {
    ProxyTarget target = to(upstream.port());
    target.target = "/rewritten?q=1";
    target.extra_headers = {{"X-Replica", "r1"}, {"X-Keep", "replaced"}};
    return target;
  });
  Connection client(proxy.port());
  client.send("POST /v1/x?q=0 HTTP/1.1\r\nHost: api.example:8080\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\n"
              "Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic c2VjcmV0\r\nX-Keep: 2\r\n"
              "X-Other: 3\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\nContent-Length: 5\r\n\r\nhello");
  const std::string response = client.response();
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("X-Upstream: yes"), std::string::npos) << response;
  EXPECT_NE(response.find("Content-Length: "), std::string::npos) << response;
  const std::string seen = body_of(response);
  EXPECT_EQ(seen.rfind("POST /rewritten?q=1 body=hello\n", 0), 0u) << seen;
  for (const char* expected : {"x-other: 3\n", "x-keep: replaced\n", "x-replica: r1\n", "host: api.example:8080\n",
                               "x-forwarded-for: 10.0.0.1, 127.0.0.1\n", "x-forwarded-proto: http\n",
                               "x-forwarded-host: api.example:8080\n", "content-length: 5\n"}) {
    EXPECT_NE(seen.find(expected), std::string::npos) << expected << " missing from " << seen;
  }
  for (const char* dropped : {"x-drop", "keep-alive", "te:", "proxy-authorization", "x-keep: 2", "https"}) {
    EXPECT_EQ(seen.find(dropped), std::string::npos) << dropped << " forwarded: " << seen;
  }
  EXPECT_EQ(proxy.outcomes.wait(1), std::vector{Outcome::completed});
}

TEST(HttpProxy, DropsTheAnswersHopByHopHeadersAndReusesTheUpstreamConnection) {
  ScriptedServer upstream([](const ScriptedServer::Request&) {
    return ScriptedServer::Reply{"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nConnection: X-Secret\r\nX-Secret: 1\r\n"
                                 "Keep-Alive: timeout=9\r\nX-Ok: 1\r\n\r\nok"};
  });
  // Each event loop keeps its own idle upstream connections: with one loop, one connection serves all.
  Proxy proxy([&](const Request&) { return to(upstream.port()); }, with_threads(1));
  for (int i = 0; i < 3; ++i) {
    Connection client(proxy.port());  // a new client each time: the upstream connection is the proxy's
    client.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
    const std::string response = client.response();
    EXPECT_EQ(response.rfind("HTTP/1.1 201 Created\r\n", 0), 0u) << response;
    EXPECT_NE(response.find("X-Ok: 1\r\n"), std::string::npos) << response;
    EXPECT_EQ(response.find("X-Secret"), std::string::npos) << response;
    EXPECT_EQ(response.find("Keep-Alive"), std::string::npos) << response;
    EXPECT_EQ(body_of(response), "ok");
  }
  EXPECT_EQ(upstream.connections(), 1);
  EXPECT_EQ(proxy.outcomes.wait(3), std::vector(3, Outcome::completed));
}

TEST(HttpProxy, EachEventLoopReusesItsOwnUpstreamConnections) {
  ScriptedServer upstream([](const ScriptedServer::Request&) {
    return ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
  });
  // Accepted connections go to the loops in turn: six clients, one after another, three on each.
  Proxy proxy([&](const Request&) { return to(upstream.port()); }, with_threads(2));
  for (int i = 0; i < 6; ++i) {
    Connection client(proxy.port());
    client.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(body_of(client.response()), "ok");
  }
  EXPECT_EQ(upstream.connections(), 2);
  EXPECT_EQ(proxy.outcomes.wait(6), std::vector(6, Outcome::completed));
}

TEST(HttpProxy, RetriesOnlyIdempotentRequestsOnAFreshConnectionWhenAPooledOneDies) {
  std::atomic<int> served{0};
  ScriptedServer upstream([&](const ScriptedServer::Request& request) {
    // Each connection dies after its first answer, as an upstream's idle timeout would, at the
    // moment the next request arrives; "/drop" is never answered.
    if (request.target == "/drop" || served.load() > request.connection) return ScriptedServer::Reply{"", true};
    ++served;
    return ScriptedServer::Reply{ScriptedServer::response(200, {}, "ok")};
  });
  Proxy proxy([&](const Request&) { return to(upstream.port()); });
  Connection client(proxy.port());
  for (int i = 0; i < 2; ++i) {
    client.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");  // the second: on the pooled connection, then a fresh one
    EXPECT_EQ(body_of(client.response()), "ok");
  }
  EXPECT_EQ(upstream.connections(), 2);
  // A POST may have been acted on before the connection died: it is not sent again (RFC 9110 9.2.2).
  client.send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx");
  std::string response = client.response();
  EXPECT_EQ(response.rfind("HTTP/1.1 502", 0), 0u) << response;
  EXPECT_EQ(upstream.connections(), 2);
  client.send("GET /drop HTTP/1.1\r\nHost: h\r\n\r\n");  // on a fresh connection: nothing is pooled now
  response = client.response();
  EXPECT_EQ(response.rfind("HTTP/1.1 502", 0), 0u) << response;
  EXPECT_NE(response.find("closed the connection without answering"), std::string::npos) << response;
  EXPECT_EQ(upstream.connections(), 3);
  EXPECT_EQ(proxy.outcomes.wait(4), (std::vector{Outcome::completed, Outcome::completed, Outcome::upstream_failed,
                                                 Outcome::upstream_failed}));
}

TEST(HttpProxy, CarriesLargeBodiesBothWays) {
  Producers producers;
  RunningServer upstream({}, [&](const Request& request) {
    if (request.path == "/double") return Response::text(200, request.body + request.body);
    auto stream = std::make_shared<ResponseStream>();
    producers.spawn([stream] {
      for (int i = 0; i < 64; ++i) stream->write(std::string(100000, char('a' + i % 26)));
      stream->close();
    });
    return streamed(stream);
  });
  Proxy proxy([&](const Request&) { return to(upstream.port()); });
  Connection client(proxy.port());
  std::string body(6u << 20, 'x');
  for (size_t i = 0; i < body.size(); i += 4096) body[i] = char('0' + i % 10);
  client.send("POST /double HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  const std::string doubled = client.response();
  EXPECT_NE(doubled.find("Content-Length: " + std::to_string(2 * body.size())), std::string::npos);
  EXPECT_TRUE(body_of(doubled) == body + body);
  client.send("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string chunked = client.read_until("\r\n0\r\n\r\n");
  EXPECT_NE(chunked.find("Transfer-Encoding: chunked"), std::string::npos);
  std::string expected;
  for (int i = 0; i < 64; ++i) expected += std::string(100000, char('a' + i % 26));
  EXPECT_TRUE(dechunked(body_of(chunked)) == expected);
  EXPECT_EQ(proxy.outcomes.wait(2), std::vector(2, Outcome::completed));
}

// The upstream writes the next event only once the client has the previous one: a proxy that held
// events back would stall this exchange until the wait below runs out.
TEST(HttpProxy, PassesEventsOneByOneAsTheyCome) {
  Producers producers;
  std::atomic<int> seen{0};
  std::atomic<bool> stalled{false};
  RunningServer upstream({}, [&](const Request&) {
    auto stream = std::make_shared<ResponseStream>();
    producers.spawn([&, stream] {
      for (int i = 0; i < 20; ++i) {
        stream->write("data: " + std::to_string(i) + "\n\n");
        const auto deadline = std::chrono::steady_clock::now() + 2s;
        while (seen.load() <= i && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(100us);
        if (seen.load() <= i) stalled = true;
      }
      stream->write("data: [DONE]\n\n");
      stream->close();
    });
    return streamed(stream);
  });
  Proxy proxy([&](const Request&) { return to(upstream.port()); });
  Connection client(proxy.port());
  client.send("GET /events HTTP/1.1\r\nHost: h\r\n\r\n");
  std::chrono::steady_clock::duration slowest{};
  for (int i = 0; i < 20; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const std::string event = "data: " + std::to_string(i) + "\n\n";
    EXPECT_NE(client.read_until(event).find(event), std::string::npos) << event;
    slowest = std::max(slowest, std::chrono::steady_clock::now() - start);
    seen = i + 1;
  }
  EXPECT_NE(client.read_until("\r\n0\r\n\r\n").find("data: [DONE]"), std::string::npos);
  EXPECT_FALSE(stalled.load());
  EXPECT_LT(slowest, 100ms);
  EXPECT_EQ(proxy.outcomes.wait(1), std::vector{Outcome::completed});
}

// Resident memory of this process, in bytes.
size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * size_t(sysconf(_SC_PAGESIZE));
}

// An upstream that writes a large body with blocking sends, counting what the socket took: what a
// reader that stops lets it write is what the proxy (and the kernel's buffers) hold.
class BulkUpstream {
 public:
  explicit BulkUpstream(size_t total) : listener_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(::listen(listener_, 4), 0);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, total] {
      const int connection = ::accept(listener_, nullptr, nullptr);
      char request[4096];
      if (::recv(connection, request, sizeof request, 0) <= 0) return;
      const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(total) + "\r\n\r\n";
      ::send(connection, head.data(), head.size(), MSG_NOSIGNAL);
      const std::string piece(1 << 16, 'z');
      while (written < total) {
        const ssize_t sent = ::send(connection, piece.data(), std::min(piece.size(), total - written), MSG_NOSIGNAL);
        if (sent <= 0) break;
        written += size_t(sent);
      }
      ::close(connection);
    });
  }
  ~BulkUpstream() {
    thread_.join();
    ::close(listener_);
  }
  int port() const { return port_; }

  std::atomic<size_t> written{0};

 private:
  int listener_;
  int port_ = 0;
  std::thread thread_;
};

TEST(HttpProxy, ASlowReaderSlowsTheUpstreamInsteadOfGrowingMemory) {
  constexpr size_t kTotal = 256u << 20;
  BulkUpstream upstream(kTotal);
  Proxy proxy([&](const Request&) { return to(upstream.port()); });
  Connection client(proxy.port(), 64 << 10);
  const size_t resident_before = resident_bytes();
  client.send("GET /bulk HTTP/1.1\r\nHost: h\r\n\r\n");
  std::this_thread::sleep_for(1s);  // the client reads nothing meanwhile
  const size_t written_while_stalled = upstream.written.load();
  const size_t resident_stalled = resident_bytes();
  EXPECT_LT(written_while_stalled, 48u << 20);  // socket buffers and one piece, not the body
  EXPECT_LT(resident_stalled, resident_before + (32u << 20));
  const std::string head = client.read_until("\r\n\r\n");
  const size_t body_so_far = head.size() - (head.find("\r\n\r\n") + 4);
  EXPECT_EQ(body_so_far + client.discard(kTotal - body_so_far), kTotal);
  EXPECT_EQ(upstream.written.load(), kTotal);
  EXPECT_EQ(proxy.outcomes.wait(1), std::vector{Outcome::completed});
}

TEST(HttpProxy, AClientThatLeavesMidStreamEndsTheUpstreamExchange) {
  Producers producers;
  std::promise<void> gone;
  RunningServer upstream({}, [&](const Request&) {
    auto stream = std::make_shared<ResponseStream>();
    stream->on_client_gone([&gone] { gone.set_value(); });
    producers.spawn([stream] {
      for (int i = 0; i < 500 && !stream->client_gone(); ++i) {
        stream->write("data: tick\n\n");
        std::this_thread::sleep_for(10ms);
      }
      stream->close();
    });
    return streamed(stream);
  });
  Proxy proxy([&](const Request&) { return to(upstream.port()); });
  {
    Connection client(proxy.port());
    client.send("GET /events HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_NE(client.read_until("data: tick\n\n").find("data: tick"), std::string::npos);
  }
  EXPECT_EQ(gone.get_future().wait_for(2s), std::future_status::ready);
  EXPECT_EQ(proxy.outcomes.wait(1), std::vector{Outcome::client_gone});
}

TEST(HttpProxy, AClientThatLeavesBeforeTheAnswerEndsTheUpstreamExchange) {
  std::promise<void> gone;
  auto stream = std::make_shared<ResponseStream>();  // never written: the upstream is still thinking
  stream->on_client_gone([&gone] { gone.set_value(); });
  RunningServer upstream({}, [&](const Request&) { return streamed(stream); });
  Proxy proxy([&](const Request&) { return to(upstream.port()); });
  {
    Connection client(proxy.port());
    client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}");
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(gone.get_future().wait_for(2s), std::future_status::ready);
  EXPECT_EQ(proxy.outcomes.wait(1), std::vector{Outcome::client_gone});
}

TEST(HttpProxy, AnUpstreamThatDiesMidBodyLeavesTheClientAnUnfinishedChunkedBody) {
  ScriptedServer upstream([](const ScriptedServer::Request&) {
    return ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", true};
  });
  Proxy proxy([&](const Request&) { return to(upstream.port()); });
  Connection client(proxy.port());
  client.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string response = client.read_all();  // returns when the proxy closes the connection
  EXPECT_NE(response.find("Transfer-Encoding: chunked"), std::string::npos) << response;
  EXPECT_NE(response.find("5\r\nhello\r\n"), std::string::npos) << response;
  EXPECT_EQ(dechunked(body_of(response)), std::nullopt) << response;
  EXPECT_EQ(proxy.outcomes.wait(1), std::vector{Outcome::upstream_failed});
}

int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST(HttpProxy, AnUnreachableUpstreamGetsTheErrorResponse) {
  const int port = closed_port();
  Proxy proxy([&](const Request& request) {
    ProxyTarget target = to(port);
    if (request.path == "/custom") {
      target.error_response = [](ProxyOutcome outcome, const std::string& detail) {
        return Response::text(503, std::string(outcome == ProxyOutcome::upstream_unreachable ? "unreachable" : "?") +
                                       ": " + detail);
      };
    }
    return target;
  });
  Connection client(proxy.port());
  client.send("GET /default HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string plain = client.response();
  EXPECT_EQ(plain.rfind("HTTP/1.1 502 Bad Gateway\r\n", 0), 0u) << plain;
  EXPECT_NE(plain.find("application/json"), std::string::npos) << plain;
  EXPECT_NE(plain.find("upstream 127.0.0.1:" + std::to_string(port) + " cannot be reached"), std::string::npos) << plain;
  client.send("GET /custom HTTP/1.1\r\nHost: h\r\n\r\n");  // the client's connection goes on
  const std::string custom = client.response();
  EXPECT_EQ(custom.rfind("HTTP/1.1 503", 0), 0u) << custom;
  EXPECT_NE(custom.find("unreachable: upstream 127.0.0.1:"), std::string::npos) << custom;
  EXPECT_EQ(proxy.outcomes.wait(2), std::vector(2, Outcome::upstream_unreachable));
}

TEST(HttpProxy, OnAnswerRetriesElsewhereWithItsOwnBodyAndHeadersOnly) {
  ScriptedServer busy([](const ScriptedServer::Request& request) {
    EXPECT_EQ(request.body, "replaced");
    EXPECT_EQ(request.header("authorization"), nullptr);
    return ScriptedServer::Reply{"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy"};
  });
  RunningServer upstream({}, headers_echo);
  Outcomes retried;
  std::vector<std::string> judged;  // on the proxy's one connection thread
  Proxy proxy([&](const Request&) {
    ProxyTarget target = to(busy.port());
    target.body = "replaced";
    target.pass_request_headers = false;
    target.extra_headers = {{"host", "upstream"}};
    target.whole_body_for = [](int status) { return status >= 400; };
    target.on_answer = [&](ProxyAnswer answer) {
      judged.push_back(std::to_string(answer.status) + " " + answer.body.value_or("(streamed)"));
      ProxyVerdict verdict;
      verdict.kind = ProxyVerdict::Kind::retry;
      verdict.delay = 20ms;
      ProxyTarget next = to(upstream.port());
      next.body = "replaced";
      next.pass_request_headers = false;
      next.on_done = retried.recorder();
      next.on_answer = [&](ProxyAnswer second) {
        judged.push_back(std::to_string(second.status) + " " + second.body.value_or("(streamed)"));
        ProxyVerdict relay;
        relay.headers = {{"X-Judged", "yes"}};
        return relay;
      };
      verdict.next = std::make_shared<const ProxyTarget>(std::move(next));
      return verdict;
    };
    return target;
  });
  Connection client(proxy.port());
  client.send("POST /v1/x HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer client-secret\r\nContent-Length: 5\r\n\r\nhello");
  const std::string response = client.response();
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("X-Judged: yes"), std::string::npos) << response;
  EXPECT_NE(body_of(response).find("body=replaced"), std::string::npos) << response;
  EXPECT_EQ(response.find("client-secret"), std::string::npos) << response;
  EXPECT_EQ(retried.wait(1), std::vector{Outcome::completed});
  EXPECT_EQ(proxy.outcomes.wait(0), std::vector<Outcome>{}) << "the first target handed over: its on_done is not called";
  EXPECT_EQ(judged, (std::vector<std::string>{"503 busy", "200 (streamed)"}));
}

TEST(HttpProxy, OnAnswerAnswersInsteadOfAFailureOrAWholeBody) {
  const int port = closed_port();
  ScriptedServer upstream([](const ScriptedServer::Request&) {
    return ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nwhole"};
  });
  Proxy proxy([&](const Request& request) {
    ProxyTarget target = to(request.path == "/closed" ? port : upstream.port());
    target.whole_body_for = [](int) { return true; };
    target.on_answer = [](ProxyAnswer answer) {
      const std::string said = answer.outcome == ProxyOutcome::upstream_unreachable ? "unreachable" : *answer.body;
      ProxyVerdict verdict;
      verdict.kind = ProxyVerdict::Kind::answer;
      verdict.answer = Response::text(203, "instead of " + said);
      return verdict;
    };
    return target;
  });
  Connection client(proxy.port());
  client.send("GET /closed HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string response = client.response();
  EXPECT_EQ(response.rfind("HTTP/1.1 203", 0), 0u) << response;
  EXPECT_EQ(body_of(response), "instead of unreachable");
  client.send("GET /open HTTP/1.1\r\nHost: h\r\n\r\n");
  response = client.response();
  EXPECT_EQ(body_of(response), "instead of whole");
  EXPECT_EQ(proxy.outcomes.wait(2), (std::vector{Outcome::upstream_unreachable, Outcome::completed}));
}

TEST(HttpProxy, ABodyFilterRewritesTheBodyAndHasTheLastWordWhenTheUpstreamBreaksOff) {
  ScriptedServer upstream([](const ScriptedServer::Request& request) {
    if (request.target == "/cut") return ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", true};
    return ScriptedServer::Reply{"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"};
  });
  Proxy proxy([&](const Request&) {
    ProxyTarget target = to(upstream.port());
    target.on_answer = [](ProxyAnswer) {
      ProxyVerdict verdict;
      verdict.filter = [](std::string_view bytes, BodyEnd end) {
        std::string out(bytes);
        for (char& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
        if (end == BodyEnd::complete) out += "[end]";
        if (end == BodyEnd::failed) out += "[broken]";
        return out;
      };
      return verdict;
    };
    return target;
  });
  Connection client(proxy.port());
  client.send("GET /whole HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string whole = client.read_until("0\r\n\r\n");
  EXPECT_EQ(whole.find("Content-Length"), std::string::npos) << whole;
  EXPECT_EQ(dechunked(body_of(whole)), "HELLO WORLD[end]") << whole;
  Connection second(proxy.port());
  second.send("GET /cut HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string cut = second.read_all();
  EXPECT_EQ(dechunked(body_of(cut)), "HELLO[broken]") << cut;
  EXPECT_EQ(proxy.outcomes.wait(2), (std::vector{Outcome::completed, Outcome::upstream_failed}));
}

TEST(HttpProxy, AnUpstreamThatSaysNothingTimesOut) {
  auto stream = std::make_shared<ResponseStream>();
  RunningServer upstream({}, [&](const Request&) { return streamed(stream); });
  Proxy proxy([&](const Request&) {
    ProxyTarget target = to(upstream.port());
    target.response_timeout = 1s;
    return target;
  });
  Connection client(proxy.port());
  client.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string response = client.response();
  EXPECT_EQ(response.rfind("HTTP/1.1 504", 0), 0u) << response;
  EXPECT_NE(response.find("sent no answer within 1 s"), std::string::npos) << response;
  EXPECT_EQ(proxy.outcomes.wait(1), std::vector{Outcome::timed_out});
}

TEST(HttpProxy, TheTimeoutCountsFromTheLastUpstreamByteAndEndsAStreamThatFallsSilent) {
  Producers producers;
  auto stream = std::make_shared<ResponseStream>();
  RunningServer upstream({}, [&](const Request&) {
    producers.spawn([stream] {
      for (int i = 0; i < 4; ++i) {  // 1.8 s in all, never 1 s without a byte
        stream->write("data: " + std::to_string(i) + "\n\n");
        std::this_thread::sleep_for(600ms);
      }
    });
    return streamed(stream);
  });
  Proxy proxy([&](const Request&) {
    ProxyTarget target = to(upstream.port());
    target.response_timeout = 1s;
    return target;
  });
  Connection client(proxy.port());
  client.send("GET /events HTTP/1.1\r\nHost: h\r\n\r\n");
  const auto start = std::chrono::steady_clock::now();
  const std::string response = client.read_all();  // returns when the proxy closes the connection
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_NE(response.find("data: 3\n\n"), std::string::npos) << response;
  EXPECT_EQ(dechunked(body_of(response)), std::nullopt) << response;
  EXPECT_GE(took, 2700ms);  // the last byte at 1.8 s, then 1 s of silence
  EXPECT_LT(took, 4s);
  EXPECT_EQ(proxy.outcomes.wait(1), std::vector{Outcome::timed_out});
  stream->close();
}

TEST(HttpProxy, HeadAndNoContentAnswersHaveNoBody) {
  RunningServer upstream({}, [](const Request& request) {
    if (request.path == "/empty") return Response::text(204, "");
    return headers_echo(request);
  });
  Proxy proxy([&](const Request&) { return to(upstream.port()); });
  Connection client(proxy.port());
  client.send("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string head = client.response(true);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Length: "), std::string::npos) << head;
  EXPECT_EQ(body_of(head), "");
  client.send("GET /empty HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string empty = client.response(true);
  EXPECT_EQ(empty.rfind("HTTP/1.1 204 No Content\r\n", 0), 0u) << empty;
  EXPECT_EQ(empty.find("Transfer-Encoding"), std::string::npos) << empty;
  client.send("GET /after HTTP/1.1\r\nHost: h\r\n\r\n");  // still in step
  EXPECT_NE(body_of(client.response()).find("GET /after"), std::string::npos);
  EXPECT_EQ(proxy.outcomes.wait(3), std::vector(3, Outcome::completed));
}

TEST(HttpProxy, AnHttp10ClientGetsTheStreamUnframedUntilTheConnectionEnds) {
  Producers producers;
  RunningServer upstream({}, [&](const Request&) {
    auto stream = std::make_shared<ResponseStream>();
    producers.spawn([stream] {
      stream->write("data: 1\n\n");
      stream->write("data: 2\n\n");
      stream->close();
    });
    return streamed(stream);
  });
  Proxy proxy([&](const Request&) { return to(upstream.port()); });
  Connection client(proxy.port());
  client.send("GET /events HTTP/1.0\r\n\r\n");
  const std::string response = client.read_all();
  EXPECT_EQ(response.find("chunked"), std::string::npos) << response;
  EXPECT_EQ(body_of(response), "data: 1\n\ndata: 2\n\n");
  EXPECT_EQ(proxy.outcomes.wait(1), std::vector{Outcome::completed});
}

}  // namespace
}  // namespace gatehouse::http
