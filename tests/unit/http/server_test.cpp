// The HTTP server over real loopback sockets, spoken to in raw HTTP/1.1 so that malformed and
// slow requests can be sent as they are.
#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <thread>

#include "http/cors.h"
#include "loopback.h"

namespace gatehouse::http {
namespace {

using testing::Connection;
using testing::RunningServer;

Response echo(const Request& request) {
  std::string body = request.method + " " + request.path + " ?" + request.query + " body=" + request.body;
  if (const std::string* agent = request.header("user-agent")) body += " agent=" + *agent;
  if (const std::string* host = request.header("host")) body += " host=" + *host;
  return Response::text(200, body);
}

TEST(HttpServer, AnswersAndKeepsTheConnectionAlive) {
  RunningServer server({}, echo);
  Connection connection(server.port());
  connection.send("GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: test\r\n\r\n");
  std::string first = connection.response();
  EXPECT_NE(first.find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_NE(first.find("GET /a/b ?x=1 body= agent=test host=h"), std::string::npos);
  connection.send("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_NE(connection.response().find("POST /p ? body=hello"), std::string::npos);
}

TEST(HttpServer, HeadSendsTheLengthButNoBody) {
  RunningServer server({}, echo);
  Connection connection(server.port());
  connection.send("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string response = connection.response(true);
  EXPECT_NE(response.find("Content-Length: 22"), std::string::npos) << response;  // "HEAD /x ? body= host=h"
  EXPECT_EQ(response.substr(response.find("\r\n\r\n") + 4), "");
  connection.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");  // the connection is still in step
  EXPECT_NE(connection.response().find("GET /x ?"), std::string::npos);
}

TEST(HttpServer, SendsFileRegions) {
  std::filesystem::path file = std::filesystem::temp_directory_path() / "gatehouse_server_test.bin";
  std::string contents;
  for (int i = 0; i < 300000; ++i) contents += char('a' + i % 26);
  std::ofstream(file, std::ios::binary) << contents;
  std::filesystem::path swapped = file;
  swapped += ".other";
  RunningServer server({}, [&](const Request&) {
    Response response;
    response.file = FileRegion{std::make_shared<const files::UniqueFd>(files::open_regular_file(file)), 1000, 250000};
    // What the handler opened is sent, whatever the path names by the time the body goes out.
    std::ofstream(swapped, std::ios::binary) << std::string(contents.size(), '!');
    std::filesystem::rename(swapped, file);
    return response;
  });
  Connection connection(server.port());
  connection.send("GET /f HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string response = connection.response();
  EXPECT_NE(response.find("Content-Length: 250000"), std::string::npos);
  EXPECT_EQ(response.substr(response.find("\r\n\r\n") + 4), contents.substr(1000, 250000));
  std::filesystem::remove(file);
}

TEST(HttpServer, RefusesOversizedAndMalformedRequests) {
  ServerOptions options;
  options.max_body_bytes = 100;
  RunningServer server(options, echo);
  {
    Connection connection(server.port());
    connection.send("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'x'));
    std::string response = connection.response();
    EXPECT_NE(response.find("413"), std::string::npos) << response;
    EXPECT_NE(response.find("larger than 100 bytes: send a smaller one"), std::string::npos) << response;
  }
  {
    Connection connection(server.port());
    connection.send("NOT HTTP AT ALL\r\n\r\n");
    EXPECT_NE(connection.response().find("400"), std::string::npos);
  }
}

TEST(HttpServer, SlowClientsAreCutOff) {
  ServerOptions options;
  options.request_timeout = std::chrono::seconds(1);
  RunningServer server(options, echo);
  Connection connection(server.port());
  connection.send("GET /slow HTTP/1.1\r\nHost: h\r\n");  // never finishes the headers
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(connection.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST(HttpServer, IdleKeepAliveConnectionsCloseAfterTheIdleTimeout) {
  ServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  RunningServer server(options, echo);
  Connection connection(server.port());
  connection.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_NE(connection.response().find("200 OK"), std::string::npos);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(connection.closed_by_peer());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST(HttpServer, ABodyThatStopsComingIsCutOffAtTheRequestTimeoutWithinALongIdleTimeout) {
  // The connection's deadline is checked by a timer armed for the longer idle wait: the body's
  // earlier deadline must move it.
  ServerOptions options;
  options.request_timeout = std::chrono::seconds(1);
  options.idle_timeout = std::chrono::seconds(60);
  RunningServer server(options, echo);
  Connection connection(server.port());
  connection.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_NE(connection.response().find("200 OK"), std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the timer now waits for the idle deadline
  connection.send("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab");  // 8 bytes short
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(connection.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST(HttpServer, AHandlerSlowerThanTheTimeoutsIsNotCutOff) {
  ServerOptions options;
  options.request_timeout = std::chrono::seconds(1);
  options.idle_timeout = std::chrono::seconds(1);
  RunningServer server(options, [](const Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    return Response::with_body(200, "late", "text/plain");
  });
  Connection connection(server.port());
  connection.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string response = connection.response();
  EXPECT_NE(response.find("200 OK"), std::string::npos) << response;
  EXPECT_EQ(response.substr(response.size() - 4), "late");
}

TEST(HttpServer, AReaderThatStopsReadingIsCutOffAtTheSendTimeout) {
  ServerOptions options;
  options.send_timeout = std::chrono::seconds(1);
  const std::string body(32u << 20, 'x');
  RunningServer server(options, [&](const Request&) { return Response::with_body(200, body, "text/plain"); });
  Connection connection(server.port(), 16 << 10);
  connection.send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the server stalls, then gives up
  EXPECT_LT(connection.read_all().size(), body.size());
}

TEST(HttpServer, ASlowReaderThatKeepsReadingIsNotCutOff) {
  // The send timeout is the time without progress, not the time the whole answer takes.
  ServerOptions options;
  options.send_timeout = std::chrono::seconds(1);
  const std::string body(8u << 20, 'x');
  RunningServer server(options, [&](const Request&) { return Response::with_body(200, body, "text/plain"); });
  Connection connection(server.port(), 16 << 10);
  connection.send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
  size_t received = 0;
  while (received < body.size()) {  // about 2.5 s in all, a megabyte at a time
    const size_t piece = connection.discard(1u << 20);
    if (piece == 0) break;
    received += piece;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_GE(received, body.size());
}

TEST(HttpServer, HandlerExceptionsBecome500) {
  RunningServer server({}, [](const Request&) -> Response { throw std::runtime_error("boom"); });
  Connection connection(server.port());
  connection.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string response = connection.response();
  EXPECT_NE(response.find("500"), std::string::npos);
  EXPECT_NE(response.find("internal error"), std::string::npos);
}

// A producer on another thread, as the model server has: the handler returns at once and the
// producer writes the body later.
class Producer {
 public:
  ~Producer() {
    for (auto& thread : threads_) thread.join();
  }
  void spawn(std::function<void()> work) { threads_.emplace_back(std::move(work)); }

 private:
  std::vector<std::thread> threads_;
};

Response event_stream(std::shared_ptr<ResponseStream> stream) {
  Response response = Response::with_body(200, "", "text/event-stream");
  response.stream = std::move(stream);
  return response;
}

TEST(HttpServer, StreamsChunksAsTheyAreWrittenAndKeepsTheConnection) {
  Producer producer;
  RunningServer server({}, [&](const Request& request) {
    if (request.path != "/events") return echo(request);
    auto stream = std::make_shared<ResponseStream>();
    producer.spawn([stream] {
      for (int i = 0; i < 3; ++i) {
        stream->write("data: " + std::to_string(i) + "\n\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      stream->write("data: [DONE]\n\n");
      stream->close();
    });
    return event_stream(stream);
  });
  Connection connection(server.port());
  connection.send("GET /events HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string response = connection.read_until("\r\n0\r\n\r\n");
  EXPECT_NE(response.find("Transfer-Encoding: chunked"), std::string::npos) << response;
  EXPECT_NE(response.find("Content-Type: text/event-stream"), std::string::npos);
  for (const char* event : {"data: 0\n\n", "data: 1\n\n", "data: 2\n\n", "data: [DONE]\n\n"}) {
    EXPECT_NE(response.find(event), std::string::npos) << event << " missing from " << response;
  }
  connection.send("GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_NE(connection.response().find("GET /after"), std::string::npos);
}

TEST(HttpServer, AStreamsLateHeaderGoesOutWithItsFirstChunk) {
  Producer producer;
  RunningServer server({}, [&](const Request&) {
    auto stream = std::make_shared<ResponseStream>();
    producer.spawn([stream] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the server waits on the stream meanwhile
      stream->set_header("X-First-Byte-Ms", "20");
      stream->write("data: 0\n\n");
      stream->set_header("X-Too-Late", "1");
      stream->close();
    });
    return event_stream(stream);
  });
  Connection connection(server.port());
  connection.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string response = connection.read_until("\r\n0\r\n\r\n");
  const size_t head_end = response.find("\r\n\r\n");
  EXPECT_LT(response.find("X-First-Byte-Ms: 20"), head_end) << response;
  EXPECT_EQ(response.find("X-Too-Late"), std::string::npos) << response;
  EXPECT_NE(response.find("data: 0"), std::string::npos) << response;
}

TEST(HttpServer, AFinishedStreamSendsOneWholeResponse) {
  Producer producer;
  RunningServer server({}, [&](const Request&) {
    auto stream = std::make_shared<ResponseStream>();
    producer.spawn([stream] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      stream->finish(Response::json(400, R"({"error":"late"})"));
    });
    return event_stream(stream);
  });
  Connection connection(server.port());
  connection.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string response = connection.response();
  EXPECT_NE(response.find("HTTP/1.1 400"), std::string::npos) << response;
  EXPECT_NE(response.find("Content-Length: 16"), std::string::npos) << response;
  EXPECT_NE(response.find(R"({"error":"late"})"), std::string::npos);
}

TEST(HttpServer, AClientThatHangsUpIsReportedWhileWaiting) {
  std::promise<void> gone;
  auto stream = std::make_shared<ResponseStream>();
  stream->on_client_gone([&gone] { gone.set_value(); });
  RunningServer server({}, [&](const Request&) { return event_stream(stream); });
  {
    Connection connection(server.port());
    connection.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }  // closes the socket before anything was written
  EXPECT_EQ(gone.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(stream->client_gone());
  stream->write("dropped");  // no effect, no crash
  stream->close();
}

// An HTTP/1.0 client cannot read chunked framing: it gets the stream's bytes as they are, and the
// end of the connection ends the body.
TEST(HttpServer, StreamsToHttp10ClientsWithoutChunkedFramingAndCloses) {
  Producer producer;
  RunningServer server({}, [&](const Request&) {
    auto stream = std::make_shared<ResponseStream>();
    producer.spawn([stream] {
      for (int i = 0; i < 3; ++i) stream->write("data: " + std::to_string(i) + "\n\n");
      stream->close();
    });
    return event_stream(stream);
  });
  for (const char* connection : {"", "Connection: keep-alive\r\n"}) {
    Connection client(server.port());
    client.send(std::string("GET /events HTTP/1.0\r\n") + connection + "\r\n");
    const std::string response = client.read_until("never sent: read until the server closes");
    const size_t body = response.find("\r\n\r\n");
    ASSERT_NE(body, std::string::npos) << response;
    const std::string header = response.substr(0, body);
    EXPECT_EQ(header.find("Transfer-Encoding"), std::string::npos) << header;
    EXPECT_EQ(header.find("Content-Length"), std::string::npos) << header;
    EXPECT_NE(header.find("Connection: close"), std::string::npos) << header;
    EXPECT_EQ(response.substr(body + 4), "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  }
}

TEST(HttpServer, Http10KeepsTheConnectionOnlyWhenAskedAndSaysSo) {
  RunningServer server({}, echo);
  {
    Connection client(server.port());
    client.send("GET /one HTTP/1.0\r\n\r\n");
    const std::string response = client.response();
    EXPECT_NE(response.find("Content-Length: 16"), std::string::npos) << response;  // "GET /one ? body="
    EXPECT_NE(response.find("GET /one ?"), std::string::npos) << response;
    EXPECT_TRUE(client.closed_by_peer());
  }
  {
    Connection client(server.port());
    client.send("GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const std::string first = client.response();
    EXPECT_NE(first.find("Connection: keep-alive"), std::string::npos) << first;
    client.send("POST /two HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi");
    EXPECT_NE(client.response().find("POST /two ? body=hi"), std::string::npos);
    client.send("GET /three HTTP/1.0\r\n\r\n");  // no keep-alive: the last one
    const std::string last = client.response();
    EXPECT_NE(last.find("GET /three"), std::string::npos) << last;
    EXPECT_EQ(last.find("keep-alive"), std::string::npos) << last;
    EXPECT_TRUE(client.closed_by_peer());
  }
}

// Only chunked is decoded, and only as the last coding: anything else would be read as something
// it is not, so it is refused before the body is read, and the connection is closed.
TEST(HttpServer, RefusesTransferCodingsItCannotDecode) {
  bool called = false;
  RunningServer server({}, [&](const Request& request) {
    called = true;
    return echo(request);
  });
  const std::string chunked_body = "5\r\nhello\r\n0\r\n\r\n";
  for (const auto& [codings, status] : std::vector<std::pair<std::string, std::string>>{
           {"gzip, chunked", "501 Not Implemented"},
           {"deflate,chunked", "501 Not Implemented"},
           {"x-custom ,  Chunked", "501 Not Implemented"},
           {"gzip", "501 Not Implemented"},
           {"identity", "501 Not Implemented"},
           {"chunked, gzip", "400 Bad Request"},
           {"chunked, chunked", "400 Bad Request"}}) {
    Connection client(server.port());
    client.send("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + codings + "\r\n\r\n" + chunked_body);
    const std::string response = client.response();
    EXPECT_EQ(response.rfind("HTTP/1.1 " + status, 0), 0u) << codings << ": " << response;
    EXPECT_NE(response.find("Transfer-Encoding"), std::string::npos) << response;  // the message names the header
    EXPECT_TRUE(client.closed_by_peer()) << codings;
  }
  {  // Split over two header lines, the codings are one list.
    Connection client(server.port());
    client.send("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
                chunked_body);
    EXPECT_EQ(client.response().rfind("HTTP/1.1 501", 0), 0u);
  }
  EXPECT_FALSE(called);
  for (const char* codings : {"chunked", "Chunked", " chunked "}) {
    Connection client(server.port());
    client.send(std::string("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ") + codings + "\r\n\r\n" + chunked_body);
    EXPECT_NE(client.response().find("POST /p ? body=hello"), std::string::npos) << codings;
  }
}

// RFC 9110 10.1.1: "Expect: 100-continue" gets an interim 100 before the body is read, unless the
// request is refused from its headers alone; other expectations get 417.
TEST(HttpServer, AnswersExpectContinueBeforeTheBody) {
  ServerOptions options;
  options.max_body_bytes = 100;
  bool called = false;
  RunningServer server(options, [&](const Request& request) {
    called = true;
    return echo(request);
  });
  {
    Connection client(server.port());
    client.send("POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n");
    EXPECT_EQ(client.read_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");  // before any body byte
    client.send("hello");
    const std::string response = client.response();
    EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
    EXPECT_NE(response.find("POST /p ? body=hello"), std::string::npos) << response;
  }
  {  // Too large by its Content-Length: refused at once, no 100.
    Connection client(server.port());
    client.send("POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n");
    EXPECT_EQ(client.response().rfind("HTTP/1.1 413", 0), 0u);
  }
  {  // HTTP/1.0 clients know no 100: the body is read as it comes.
    Connection client(server.port());
    client.send("POST /p HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi");
    const std::string response = client.response();
    EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;  // the server's version, not a 100
  }
  called = false;
  {
    Connection client(server.port());
    client.send("POST /p HTTP/1.1\r\nHost: h\r\nExpect: something-else\r\nContent-Length: 2\r\n\r\nhi");
    const std::string response = client.response();
    EXPECT_EQ(response.rfind("HTTP/1.1 417", 0), 0u) << response;
    EXPECT_NE(response.find("100-continue"), std::string::npos) << response;
    EXPECT_TRUE(client.closed_by_peer());
  }
  EXPECT_FALSE(called);
}

// RFC 9112 3.2.2: a server must accept the absolute form; it routes on the path and query, and the
// authority replaces the Host header.
TEST(HttpServer, AcceptsAbsoluteFormTargets) {
  RunningServer server({}, echo);
  Connection client(server.port());
  for (const auto& [target, expected] : std::vector<std::pair<std::string, std::string>>{
           {"http://127.0.0.1:8000/v1/models?x=1&y=%2F", "GET /v1/models ?x=1&y=%2F body= host=127.0.0.1:8000"},
           {"HTTP://Example.com/a/b", "GET /a/b ? body= host=Example.com"},
           {"https://user:pw@example.com:443/p", "GET /p ? body= host=example.com:443"},
           {"http://example.com", "GET / ? body= host=example.com"},
           {"http://example.com?q", "GET / ?q body= host=example.com"},
           {"/plain?z", "GET /plain ?z body= host=sent"}}) {
    client.send("GET " + target + " HTTP/1.1\r\nHost: sent\r\n\r\n");
    const std::string response = client.response();
    EXPECT_NE(response.find(expected), std::string::npos) << target << ": " << response;
    EXPECT_EQ(response.find("host=sent", 0) != std::string::npos, target[0] == '/') << response;
  }
  client.send("POST http://h/p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_NE(client.response().find("POST /p ? body=abc host=h"), std::string::npos);
}

// The policy answers preflights before the handler (which may require a key) sees them, and its
// headers reach every kind of answer: plain, streamed, and a stream's late whole response.
TEST(HttpServer, AppliesItsCorsPolicyBeforeTheHandler) {
  Producer producer;
  ServerOptions options;
  options.cors = std::make_shared<CorsPolicy>(CorsOptions{.allowed_origins = {"https://app.example"}});
  RunningServer server(options, [&](const Request& request) {
    if (request.path == "/plain") return Response::text(401, "key needed");
    auto stream = std::make_shared<ResponseStream>();
    producer.spawn([stream, late = request.path == "/late"] {
      if (late) return stream->finish(Response::json(400, "{}"));
      stream->write("data: 1\n\n");
      stream->close();
    });
    return event_stream(stream);
  });
  Connection client(server.port());
  client.send("OPTIONS /plain HTTP/1.1\r\nHost: h\r\nOrigin: https://app.example\r\n"
              "Access-Control-Request-Method: POST\r\n\r\n");
  const std::string preflight = client.response();
  EXPECT_EQ(preflight.rfind("HTTP/1.1 200 OK", 0), 0u) << preflight;
  EXPECT_NE(preflight.find("Access-Control-Allow-Origin: https://app.example"), std::string::npos) << preflight;
  client.send("GET /plain HTTP/1.1\r\nHost: h\r\nOrigin: https://app.example\r\n\r\n");
  const std::string plain = client.response();
  EXPECT_EQ(plain.rfind("HTTP/1.1 401", 0), 0u) << plain;
  EXPECT_NE(plain.find("Access-Control-Allow-Origin: https://app.example"), std::string::npos) << plain;
  client.send("GET /late HTTP/1.1\r\nHost: h\r\nOrigin: https://app.example\r\n\r\n");
  const std::string late = client.response();
  EXPECT_EQ(late.rfind("HTTP/1.1 400", 0), 0u) << late;
  EXPECT_NE(late.find("Access-Control-Allow-Origin: https://app.example"), std::string::npos) << late;
  client.send("GET /stream HTTP/1.1\r\nHost: h\r\nOrigin: https://app.example\r\n\r\n");
  const std::string streamed = client.read_until("\r\n0\r\n\r\n");
  EXPECT_NE(streamed.find("Access-Control-Allow-Origin: https://app.example"), std::string::npos) << streamed;
  client.send("OPTIONS /plain HTTP/1.1\r\nHost: h\r\nOrigin: https://evil.example\r\n"
              "Access-Control-Request-Method: POST\r\n\r\n");
  const std::string refused = client.response();
  EXPECT_EQ(refused.rfind("HTTP/1.1 400", 0), 0u) << refused;
  EXPECT_NE(refused.find("Disallowed CORS origin"), std::string::npos) << refused;
}

// Busy polling changes only how the event loops wait: answers, streams woken from another thread
// and answers after the polling window has lapsed (the loop asleep) are the same; an idle server
// stops polling; stop() ends a polling loop.
TEST(HttpServer, BusyPollingServesLikeSleepingAndSleepsWhenIdle) {
  Producer producer;
  ServerOptions options;
  options.threads = 2;
  options.busy_poll = std::chrono::milliseconds(2);
  auto started = std::chrono::steady_clock::now();
  {
    RunningServer server(options, [&](const Request& request) {
      if (request.path != "/events") return echo(request);
      auto stream = std::make_shared<ResponseStream>();
      producer.spawn([stream] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the polling window
        stream->write("data: late\n\n");
        stream->close();
      });
      return event_stream(stream);
    });
    Connection first(server.port()), second(server.port());  // one on each loop
    for (int i = 0; i < 20; ++i) {
      first.send("GET /one HTTP/1.1\r\nHost: h\r\n\r\n");
      EXPECT_NE(first.response().find("GET /one"), std::string::npos);
      second.send("POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi");
      EXPECT_NE(second.response().find("POST /two ? body=hi"), std::string::npos);
    }
    second.send("GET /events HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_NE(second.read_until("\r\n0\r\n\r\n").find("data: late"), std::string::npos);

    // Idle: past the window the loops sleep, so the process uses almost no CPU.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto cpu = [] {
      timespec time{};
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time);
      return std::chrono::seconds(time.tv_sec) + std::chrono::nanoseconds(time.tv_nsec);
    };
    const auto cpu_before = cpu();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_LT(cpu() - cpu_before, std::chrono::milliseconds(60));

    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    first.send("GET /after HTTP/1.1\r\nHost: h\r\n\r\n");  // wakes a sleeping loop
    EXPECT_NE(first.response().find("GET /after"), std::string::npos);
    started = std::chrono::steady_clock::now();
  }  // stop() and join
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

}  // namespace
}  // namespace gatehouse::http
