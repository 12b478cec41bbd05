// The HTTP server over real loopback sockets, spoken to in raw HTTP/1.1 so that malformed and
// slow requests can be sent as they are.
#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace gatehouse::http {
namespace {

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
  explicit Connection(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
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

  // True when the server closed the connection (recv returns 0).
  bool closed_by_peer() {
    char byte;
    return ::recv(fd_, &byte, 1, 0) == 0;
  }

 private:
  int fd_;
};

Response echo(const Request& request) {
  std::string body = request.method + " " + request.path + " ?" + request.query + " body=" + request.body;
  if (const std::string* agent = request.header("user-agent")) body += " agent=" + *agent;
  return Response::text(200, body);
}

TEST(HttpServer, AnswersAndKeepsTheConnectionAlive) {
  RunningServer server({}, echo);
  Connection connection(server.port());
  connection.send("GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: test\r\n\r\n");
  std::string first = connection.response();
  EXPECT_NE(first.find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_NE(first.find("GET /a/b ?x=1 body= agent=test"), std::string::npos);
  connection.send("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_NE(connection.response().find("POST /p ? body=hello"), std::string::npos);
}

TEST(HttpServer, HeadSendsTheLengthButNoBody) {
  RunningServer server({}, echo);
  Connection connection(server.port());
  connection.send("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string response = connection.response(true);
  EXPECT_NE(response.find("Content-Length: 15"), std::string::npos) << response;  // "HEAD /x ? body="
  EXPECT_EQ(response.substr(response.find("\r\n\r\n") + 4), "");
  connection.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");  // the connection is still in step
  EXPECT_NE(connection.response().find("GET /x ?"), std::string::npos);
}

TEST(HttpServer, SendsFileRegions) {
  std::filesystem::path file = std::filesystem::temp_directory_path() / "gatehouse_server_test.bin";
  std::string contents;
  for (int i = 0; i < 300000; ++i) contents += char('a' + i % 26);
  std::ofstream(file, std::ios::binary) << contents;
  RunningServer server({}, [&](const Request&) {
    Response response;
    response.file = FileRegion{file.string(), 1000, 250000};
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
    EXPECT_NE(response.find("larger than 100 bytes"), std::string::npos);
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

TEST(HttpServer, HandlerExceptionsBecome500) {
  RunningServer server({}, [](const Request&) -> Response { throw std::runtime_error("boom"); });
  Connection connection(server.port());
  connection.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string response = connection.response();
  EXPECT_NE(response.find("500"), std::string::npos);
  EXPECT_NE(response.find("internal error"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::http
