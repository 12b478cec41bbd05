// HttpClient against a scripted loopback server (tests/unit/http/scripted_server.h, a
// fault-injection fixture), and the URL / Link / Content-Range helpers.
#include "http/client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "base/error.h"
#include "scripted_server.h"

// Requests are written with designated initializers; g++ 12's -Wextra flags every omitted field.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace gatehouse::http {
namespace {

using testing::ScriptedServer;
using Reply = ScriptedServer::Reply;
using Headers = std::vector<std::pair<std::string, std::string>>;

Reply ok(std::string_view body, const Headers& headers = {}) {
  return Reply{ScriptedServer::response(200, headers, body)};
}

class HttpClientTest : public ::testing::Test {
 protected:
  HttpClientTest() {
    // Loopback only: make sure no proxy from the environment gets in the way.
    ::setenv("no_proxy", "*", 1);
    ::setenv("NO_PROXY", "*", 1);
  }
  HttpClient client_;
};

// A port nothing listens on: bind, read the number, close.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST_F(HttpClientTest, GetReturnsBodyAndLowerCasedHeaders) {
  ScriptedServer server([](const auto&) {
    return ok("hello", {{"Content-Type", "text/plain"}, {"X-Repo-Commit", "abc123"}, {"ETag", "\"e1\""}});
  });
  ClientResponse response = client_.send({.url = server.url("/api/models/x?expand=true")});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello");
  EXPECT_EQ(response.effective_url, server.url("/api/models/x?expand=true"));
  ASSERT_EQ(response.headers.size(), 4u);
  EXPECT_EQ(response.headers[0], (std::pair<std::string, std::string>{"content-type", "text/plain"}));
  EXPECT_EQ(response.headers[1].first, "x-repo-commit");
  EXPECT_EQ(response.headers[2], (std::pair<std::string, std::string>{"etag", "\"e1\""}));
  EXPECT_EQ(response.headers[3], (std::pair<std::string, std::string>{"content-length", "5"}));
  ASSERT_NE(response.header("X-REPO-COMMIT"), nullptr);
  EXPECT_EQ(*response.header("X-REPO-COMMIT"), "abc123");
  EXPECT_EQ(response.header("x-missing"), nullptr);

  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/api/models/x?expand=true");
  ASSERT_NE(seen[0].header("user-agent"), nullptr);
  EXPECT_EQ(*seen[0].header("user-agent"), "gatehouse/0.1");
  ASSERT_NE(seen[0].header("accept-encoding"), nullptr);
  EXPECT_EQ(*seen[0].header("accept-encoding"), "identity");
  EXPECT_EQ(seen[0].header("authorization"), nullptr);
}

TEST_F(HttpClientTest, CustomHeadersReplaceDefaults) {
  ScriptedServer server([](const auto&) { return ok(""); });
  client_.send({.url = server.url("/"), .headers = {{"User-Agent", "hf_hub/1.0"}, {"X-Empty", ""}}});
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(*seen[0].header("user-agent"), "hf_hub/1.0");
  ASSERT_NE(seen[0].header("x-empty"), nullptr);
  EXPECT_EQ(*seen[0].header("x-empty"), "");
}

TEST_F(HttpClientTest, HeadReturnsHeadersWithoutBody) {
  ScriptedServer server([](const auto&) {
    return Reply{ScriptedServer::response(200, {{"X-Linked-Size", "1234"}}, std::string(1234, 'x'), true)};
  });
  ClientResponse response = client_.send({.method = "HEAD", .url = server.url("/m/resolve/main/config.json")});
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(*response.header("content-length"), "1234");
  EXPECT_EQ(*response.header("x-linked-size"), "1234");
  EXPECT_EQ(server.requests().at(0).method, "HEAD");
}

TEST_F(HttpClientTest, PostSendsBody) {
  ScriptedServer server([](const auto&) { return ok("{}"); });
  ClientResponse response = client_.send(
      {.method = "POST", .url = server.url("/v1/x"), .headers = {{"Content-Type", "application/json"}},
       .body = std::string(5000, 'b')});
  EXPECT_EQ(response.status, 200);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, std::string(5000, 'b'));
  EXPECT_EQ(*seen[0].header("content-type"), "application/json");
  EXPECT_EQ(seen[0].header("expect"), nullptr);
}

TEST_F(HttpClientTest, PostWithoutContentTypeSendsNone) {
  ScriptedServer server([](const auto&) { return ok(""); });
  client_.send({.method = "POST", .url = server.url("/"), .body = "a=b"});
  auto seen = server.requests();
  EXPECT_EQ(seen.at(0).header("content-type"), nullptr);
  EXPECT_EQ(seen.at(0).body, "a=b");
}

TEST_F(HttpClientTest, OtherMethodsAreSentAsGiven) {
  ScriptedServer server([](const auto&) { return ok(""); });
  client_.send({.method = "DELETE", .url = server.url("/x")});
  client_.send({.method = "PUT", .url = server.url("/y"), .body = "data"});
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "DELETE");
  EXPECT_EQ(seen[0].body, "");
  EXPECT_EQ(seen[1].method, "PUT");
  EXPECT_EQ(seen[1].body, "data");
}

TEST_F(HttpClientTest, ErrorStatusIsReturnedNotThrown) {
  ScriptedServer server([](const auto&) {
    return Reply{ScriptedServer::response(404, {{"X-Error-Code", "EntryNotFound"}}, R"({"error":"nope"})")};
  });
  ClientResponse response = client_.send({.url = server.url("/missing")});
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(*response.header("x-error-code"), "EntryNotFound");
  EXPECT_EQ(response.body, R"({"error":"nope"})");
}

TEST_F(HttpClientTest, BearerTokenIsSent) {
  ScriptedServer server([](const auto&) { return ok(""); });
  client_.send({.url = server.url("/api/whoami-v2"), .bearer_token = SecretString("hf_abc")});
  EXPECT_EQ(*server.requests().at(0).header("authorization"), "Bearer hf_abc");
}

TEST_F(HttpClientTest, InterimResponsesAreSkipped) {
  ScriptedServer server([](const auto&) {
    return Reply{"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n" +
                 ScriptedServer::response(200, {{"X-Final", "1"}}, "ok")};
  });
  ClientResponse response = client_.send({.url = server.url("/")});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok");
  EXPECT_EQ(response.header("link"), nullptr);
  EXPECT_NE(response.header("x-final"), nullptr);
}

TEST_F(HttpClientTest, ChunkedBodyAndFoldedHeader) {
  ScriptedServer server([](const auto&) {
    return Reply{
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Long: one\r\n two\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"};
  });
  ClientResponse response = client_.send({.url = server.url("/")});
  EXPECT_EQ(response.body, "hello world");
  EXPECT_EQ(*response.header("x-long"), "one two");
  EXPECT_EQ(response.header("x-trailer"), nullptr);
}

TEST_F(HttpClientTest, RedirectIsReturnedByDefault) {
  ScriptedServer server([](const auto&) {
    return Reply{ScriptedServer::response(307, {{"Location", "/api/resolve-cache/x?etag=%22e%22"}}, "moved")};
  });
  ClientResponse response = client_.send({.method = "HEAD", .url = server.url("/r/resolve/main/f")});
  EXPECT_EQ(response.status, 307);
  EXPECT_EQ(*response.header("location"), "/api/resolve-cache/x?etag=%22e%22");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(HttpClientTest, RelativeRedirectIsFollowedWithToken) {
  ScriptedServer server([](const ScriptedServer::Request& request) {
    if (request.target == "/start") return Reply{ScriptedServer::response(302, {{"Location", "final?x=1"}}, "")};
    return ok("done");
  });
  ClientResponse response = client_.send(
      {.url = server.url("/start"), .bearer_token = SecretString("tok"), .follow_redirects = true});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "done");
  EXPECT_EQ(response.effective_url, server.url("/final?x=1"));
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].target, "/final?x=1");
  ASSERT_NE(seen[1].header("authorization"), nullptr);
  EXPECT_EQ(*seen[1].header("authorization"), "Bearer tok");
}

TEST_F(HttpClientTest, CrossHostRedirectDropsToken) {
  ScriptedServer server([](const ScriptedServer::Request&) { return ok(""); });
  ScriptedServer origin([&](const ScriptedServer::Request&) {
    return Reply{ScriptedServer::response(302, {{"Location", server.url("/cdn/blob?sig=1", "localhost")}}, "")};
  });
  ClientResponse response = client_.send({.url = origin.url("/resolve"),
                                          .headers = {{"Cookie", "a=b"}, {"X-Keep", "1"}},
                                          .bearer_token = SecretString("tok"),
                                          .follow_redirects = true});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.effective_url, server.url("/cdn/blob?sig=1", "localhost"));
  ASSERT_EQ(origin.requests().size(), 1u);
  EXPECT_EQ(*origin.requests()[0].header("authorization"), "Bearer tok");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].header("authorization"), nullptr);
  EXPECT_EQ(seen[0].header("cookie"), nullptr);
  EXPECT_NE(seen[0].header("x-keep"), nullptr);
  EXPECT_EQ(*seen[0].header("host"), "localhost:" + std::to_string(server.port()));
}

TEST_F(HttpClientTest, RedirectFrom127ToLocalhostDropsToken) {
  // One server, two host names: 127.0.0.1 and localhost are different origins.
  int port = 0;
  ScriptedServer server([&](const ScriptedServer::Request& request) {
    if (request.target == "/a") {
      return Reply{ScriptedServer::response(301, {{"Location", "http://localhost:" + std::to_string(port) + "/b"}}, "")};
    }
    return ok("b");
  });
  port = server.port();
  ClientResponse response =
      client_.send({.url = server.url("/a"), .bearer_token = SecretString("tok"), .follow_redirects = true});
  EXPECT_EQ(response.body, "b");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_NE(seen[0].header("authorization"), nullptr);
  EXPECT_EQ(seen[1].target, "/b");
  EXPECT_EQ(seen[1].header("authorization"), nullptr);
}

TEST_F(HttpClientTest, SeeOtherTurnsPostIntoGet) {
  ScriptedServer server([](const ScriptedServer::Request& request) {
    if (request.target == "/submit") return Reply{ScriptedServer::response(303, {{"Location", "/result"}}, "")};
    return ok("r");
  });
  ClientResponse response =
      client_.send({.method = "POST", .url = server.url("/submit"), .body = "payload", .follow_redirects = true});
  EXPECT_EQ(response.body, "r");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[1].method, "GET");
  EXPECT_EQ(seen[1].body, "");
  EXPECT_EQ(seen[1].header("content-length"), nullptr);
}

TEST_F(HttpClientTest, TemporaryRedirectKeepsMethodAndBody) {
  ScriptedServer server([](const ScriptedServer::Request& request) {
    if (request.target == "/a") return Reply{ScriptedServer::response(307, {{"Location", "/b"}}, "")};
    return ok("");
  });
  client_.send({.method = "POST", .url = server.url("/a"), .body = "payload", .follow_redirects = true});
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].method, "POST");
  EXPECT_EQ(seen[1].body, "payload");
}

TEST_F(HttpClientTest, TooManyRedirectsThrowUnavailable) {
  ScriptedServer server([](const auto&) { return Reply{ScriptedServer::response(302, {{"Location", "/loop"}}, "")}; });
  try {
    client_.send({.url = server.url("/loop"), .follow_redirects = true, .max_redirects = 3});
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::unavailable);
    EXPECT_NE(std::string(error.what()).find("redirects"), std::string::npos);
  }
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST_F(HttpClientTest, DownloadStreamsBodyWithHeadersFirstAndProgress) {
  std::string blob;
  for (int i = 0; i < 300000; ++i) blob += char('a' + i % 26);
  ScriptedServer server([&](const auto&) { return ok(blob, {{"Accept-Ranges", "bytes"}}); });
  std::string received;
  int header_calls = 0;
  int chunks = 0;
  std::uint64_t last_progress = 0;
  std::optional<std::uint64_t> last_total;
  ClientResponse response = client_.download(
      {.url = server.url("/blob")},
      [&](const ClientResponse& head) {
        ++header_calls;
        EXPECT_EQ(head.status, 200);
        EXPECT_EQ(*head.header("content-length"), std::to_string(blob.size()));
        EXPECT_EQ(head.effective_url, server.url("/blob"));
        EXPECT_TRUE(received.empty());
        return true;
      },
      [&](std::string_view chunk) {
        EXPECT_EQ(header_calls, 1);
        ++chunks;
        received.append(chunk);
      },
      [&](std::uint64_t so_far, std::optional<std::uint64_t> total) {
        EXPECT_GE(so_far, last_progress);
        last_progress = so_far;
        last_total = total;
      });
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(received, blob);
  EXPECT_GE(chunks, 1);
  EXPECT_EQ(header_calls, 1);
  EXPECT_EQ(last_progress, blob.size());
  EXPECT_EQ(last_total, blob.size());
}

TEST_F(HttpClientTest, DownloadStopsWhenOnHeadersSaysSo) {
  ScriptedServer server([](const auto&) {
    return Reply{ScriptedServer::response(416, {{"Content-Range", "bytes */10"}}, std::string(100000, 'z'))};
  });
  bool sink_called = false;
  ClientResponse response = client_.download(
      {.url = server.url("/blob"), .headers = {{"Range", "bytes=10-"}}},
      [](const ClientResponse& head) { return head.status < 400; },
      [&](std::string_view) { sink_called = true; });
  EXPECT_EQ(response.status, 416);
  EXPECT_EQ(*response.header("content-range"), "bytes */10");
  EXPECT_FALSE(sink_called);
  EXPECT_EQ(*server.requests().at(0).header("range"), "bytes=10-");

  // The client is still usable afterwards.
  ScriptedServer other([](const auto&) { return ok("fine"); });
  EXPECT_EQ(client_.send({.url = other.url("/")}).body, "fine");
}

TEST_F(HttpClientTest, DownloadSkipsRedirectBodies) {
  ScriptedServer server([](const ScriptedServer::Request& request) {
    if (request.target == "/r") return Reply{ScriptedServer::response(302, {{"Location", "/f"}}, "redirect body")};
    return ok("file");
  });
  std::string received;
  int header_calls = 0;
  ClientResponse response = client_.download(
      {.url = server.url("/r"), .follow_redirects = true},
      [&](const ClientResponse& head) {
        ++header_calls;
        EXPECT_EQ(head.status, 200);
        return true;
      },
      [&](std::string_view chunk) { received.append(chunk); });
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(received, "file");
  EXPECT_EQ(header_calls, 1);
}

TEST_F(HttpClientTest, ConnectionClosedMidBodyThrowsUnavailable) {
  ScriptedServer server([](const auto&) {
    return Reply{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", true};
  });
  std::string received;
  try {
    client_.download({.url = server.url("/blob?X-Amz-Signature=s3cr3t"), .bearer_token = SecretString("tok-123")},
                     [&](std::string_view chunk) { received.append(chunk); });
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::unavailable);
    std::string message = error.what();
    EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
    EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
    EXPECT_EQ(message.find("tok-123"), std::string::npos) << message;
  }
  EXPECT_EQ(received, "0123456789");
}

TEST_F(HttpClientTest, TruncatedChunkedBodyThrowsUnavailable) {
  ScriptedServer server([](const auto&) {
    return Reply{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n10\r\nabc", true};
  });
  try {
    client_.send({.url = server.url("/")});
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::unavailable);
  }
}

TEST_F(HttpClientTest, ConnectionRefusedThrowsUnavailableWithoutSecrets) {
  std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/api/models?sig=topsecret";
  try {
    client_.send({.url = url, .bearer_token = SecretString("hf_supersecret")});
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::unavailable);
    std::string message = error.what();
    EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
    EXPECT_NE(message.find("/api/models"), std::string::npos) << message;
    EXPECT_EQ(message.find("hf_supersecret"), std::string::npos) << message;
    EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
  }
}

TEST_F(HttpClientTest, StalledServerTimesOut) {
  ScriptedServer server([](const auto&) { return Reply{.raw = "", .close = false, .hang = true}; });
  try {
    client_.send({.url = server.url("/"), .timeout = std::chrono::milliseconds(300)});
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::unavailable);
  }
}

TEST_F(HttpClientTest, CancellingAbortsAWaitingTransferAtOnce) {
  ScriptedServer server([](const auto&) { return Reply{.raw = "", .close = false, .hang = true}; });
  const auto start = std::chrono::steady_clock::now();
  try {
    client_.send({.url = server.url("/"), .cancelled = [&] { return std::chrono::steady_clock::now() - start > std::chrono::milliseconds(200); }});
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::unavailable);
    EXPECT_NE(std::string(error.what()).find("cancelled"), std::string::npos) << error.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3)) << "polled while no byte arrives";
  ScriptedServer fine([](const auto&) { return ok("x"); });
  EXPECT_EQ(client_.send({.url = fine.url("/"), .cancelled = [] { return false; }}).body, "x");
}

TEST_F(HttpClientTest, KeepAliveReusesOneConnection) {
  ScriptedServer server([](const auto&) { return ok("x"); });
  EXPECT_EQ(client_.send({.url = server.url("/1")}).body, "x");
  EXPECT_EQ(client_.send({.method = "HEAD", .url = server.url("/2")}).status, 200);
  EXPECT_EQ(client_.send({.url = server.url("/3")}).body, "x");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(server.connections(), 1);
  for (const auto& request : seen) EXPECT_EQ(request.connection, 0);
}

TEST_F(HttpClientTest, ServerClosingAfterReplyMeansNewConnection) {
  ScriptedServer server([](const auto&) { return Reply{ScriptedServer::response(200, {{"Connection", "close"}}, "x"), true}; });
  client_.send({.url = server.url("/1")});
  client_.send({.url = server.url("/2")});
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(HttpClientTest, SendEnforcesBodyLimit) {
  ScriptedServer server([](const ScriptedServer::Request& request) {
    if (request.target == "/chunked") {
      return Reply{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"};
    }
    return ok("0123456789");
  });
  for (const char* path : {"/sized", "/chunked"}) {
    try {
      client_.send({.url = server.url(path), .max_body_bytes = 4});
      FAIL() << "no error for " << path;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::resource_exhausted);
      EXPECT_NE(std::string(error.what()).find("4 bytes"), std::string::npos);
    }
  }
  EXPECT_EQ(client_.send({.url = server.url("/sized"), .max_body_bytes = 10}).body, "0123456789");
}

TEST_F(HttpClientTest, CallbackExceptionsPropagate) {
  ScriptedServer server([](const auto&) { return ok("data"); });
  EXPECT_THROW(client_.download({.url = server.url("/")},
                                [](std::string_view) { throw Error(ErrorCode::resource_exhausted, "disk full"); }),
               Error);
  try {
    client_.download({.url = server.url("/")}, [](std::string_view) { throw std::runtime_error("boom"); });
    FAIL();
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "boom");
  }
}

TEST_F(HttpClientTest, BadInputIsInvalidArgument) {
  auto code_of = [&](const ClientRequest& request) {
    try {
      client_.send(request);
    } catch (const Error& error) {
      return error.code();
    }
    return ErrorCode::internal;
  };
  EXPECT_EQ(code_of({.url = "not a url"}), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of({.url = "ftp://127.0.0.1/x"}), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of({.url = "http://127.0.0.1:1/", .headers = {{"X-A", "b\r\nX-Injected: 1"}}}),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code_of({.url = "http://127.0.0.1:1/", .bearer_token = SecretString("a\nb")}),
            ErrorCode::invalid_argument);
}

// ---- helpers ----

TEST(UrlHelpers, Join) {
  EXPECT_EQ(url_join("https://h", "api/x"), "https://h/api/x");
  EXPECT_EQ(url_join("https://h/", "/api/x"), "https://h/api/x");
  EXPECT_EQ(url_join("https://h/mirror//", "//api"), "https://h/mirror/api");
  EXPECT_EQ(url_join("https://h/", ""), "https://h/");
}

TEST(UrlHelpers, Resolve) {
  EXPECT_EQ(resolve_url("https://hf.co/a/b/c", "/x?y=1"), "https://hf.co/x?y=1");
  EXPECT_EQ(resolve_url("https://hf.co/a/b/c", "d"), "https://hf.co/a/b/d");
  EXPECT_EQ(resolve_url("https://hf.co/a", "https://cdn.hf.co/z"), "https://cdn.hf.co/z");
  // The Hub's resolve-cache Location must survive untouched.
  std::string location =
      "/api/resolve-cache/models/gpt2/e7da7f2/config.json?%2Fgpt2%2Fresolve%2Fmain%2Fconfig.json=&etag=%22a16a%22";
  EXPECT_EQ(resolve_url("https://huggingface.co/gpt2/resolve/main/config.json", location),
            "https://huggingface.co" + location);
  EXPECT_THROW(resolve_url("relative/base", "x"), Error);
}

TEST(UrlHelpers, SameOriginAndRedact) {
  EXPECT_TRUE(same_origin("https://HF.co/a", "https://hf.co:443/b"));
  EXPECT_FALSE(same_origin("https://hf.co/a", "http://hf.co/a"));
  EXPECT_FALSE(same_origin("http://127.0.0.1:80/", "http://localhost/"));
  EXPECT_FALSE(same_origin("http://h:1/", "http://h:2/"));
  EXPECT_FALSE(same_origin("junk", "junk"));
  EXPECT_EQ(redact_url("https://user:pw@cdn.hf.co:8443/x/y?sig=abc#f"), "https://cdn.hf.co:8443/x/y");
  EXPECT_EQ(redact_url("http://h"), "http://h/");
  EXPECT_EQ(redact_url("::"), "(invalid URL)");
}

ClientResponse with_links(std::vector<std::string> values, std::string url = "https://hf.co/api/models?p=1") {
  ClientResponse response;
  response.effective_url = std::move(url);
  for (auto& value : values) response.headers.emplace_back("link", std::move(value));
  return response;
}

TEST(LinkHeader, NextLink) {
  EXPECT_EQ(next_link(with_links({R"(<https://hf.co/api/models?cursor=abc>; rel="next")"})),
            "https://hf.co/api/models?cursor=abc");
  EXPECT_EQ(next_link(with_links({R"(<https://a/1>; rel="prev", <https://a/2,x>; title="a, b"; rel=next)"})),
            "https://a/2,x");
  EXPECT_EQ(next_link(with_links({R"(<https://a/1>; rel="last")", R"(<https://a/3>; REL="prev next")"})),
            "https://a/3");
  EXPECT_EQ(next_link(with_links({R"(</api/models?cursor=2>; rel="next")"})), "https://hf.co/api/models?cursor=2");
  EXPECT_EQ(next_link(with_links({R"(<https://a/1>; rel="nextish")"})), std::nullopt);
  EXPECT_EQ(next_link(with_links({})), std::nullopt);
  for (const char* bad : {"", "<", "<https://a/1", "https://a/1; rel=next", ">; rel=next", "<>; rel", ";;;,,,",
                          R"(<https://a/1>; rel="next)"}) {
    EXPECT_NO_THROW(next_link(with_links({bad}))) << bad;
  }
}

TEST(ContentRangeHeader, Parse) {
  auto range = parse_content_range("bytes 0-0/1234");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first, 0u);
  EXPECT_EQ(range->last, 0u);
  EXPECT_EQ(range->total, 1234u);
  EXPECT_FALSE(range->unsatisfied);

  range = parse_content_range("bytes 100-199/*");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first, 100u);
  EXPECT_EQ(range->last, 199u);
  EXPECT_FALSE(range->total);

  range = parse_content_range("bytes */5000000000");
  ASSERT_TRUE(range);
  EXPECT_TRUE(range->unsatisfied);
  EXPECT_EQ(range->total, 5000000000u);

  for (const char* bad : {"", "bytes", "bytes ", "items 0-1/2", "bytes 0-1", "bytes 5-4/10", "bytes 0-10/10",
                          "bytes -1-2/3", "bytes 0-+1/3", "bytes a-b/c", "bytes */*", "bytes 0-1/x",
                          "bytes 0-99999999999999999999/100", "bytes 0 - 1/2", "bytes 0-1/2 junk"}) {
    EXPECT_FALSE(parse_content_range(bad)) << bad;
  }
}

}  // namespace
}  // namespace gatehouse::http
