// complete() and complete_stream() against scripted upstreams: what is sent (URL, body, key), how
// answers come back, and how every kind of failure becomes an UpstreamError.
#include "gateway/completion.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "../http/scripted_server.h"
#include "base/error.h"
#include "base/json.h"

namespace gatehouse::gateway {
namespace {
namespace bj = boost::json;
using http::testing::ScriptedServer;
using Reply = ScriptedServer::Reply;

constexpr std::string_view kKey = "hf_SecretKey0123456789";

std::string json_reply(int status, std::string_view body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  return ScriptedServer::response(status, headers, body);
}

std::string events_reply(std::string_view events) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + std::string(events);
}

CompletionRequest request_for(std::string model, Endpoint endpoint = Endpoint::chat) {
  CompletionRequest request;
  request.endpoint = endpoint;
  request.body = bj::object{{"model", model}, {"messages", bj::array{bj::object{{"role", "user"}, {"content", "Hi"}}}},
                            {"prompt", "Once upon"}, {"max_tokens", 3}};
  if (endpoint == Endpoint::chat) request.body.erase("prompt"); else request.body.erase("messages");
  request.api_key = SecretString(std::string(kKey));
  return request;
}

UpstreamError error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const UpstreamError& error) {
    return error;
  }
  ADD_FAILURE() << "no UpstreamError";
  return UpstreamError(0, "");
}

class CompletionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"HF_TOKEN", "HUGGINGFACE_API_KEY", "HF_API_BASE", "HUGGINGFACE_API_BASE", "HUGGING_FACE_HUB_TOKEN"}) unsetenv(name);
    setenv("HF_TOKEN_PATH", "/nonexistent/gatehouse-test-token", 1);
  }
};

TEST_F(CompletionTest, TextGoesToTgisGenerateWithItsCounts) {
  ScriptedServer tgi([](const ScriptedServer::Request& request) {
    if (request.target != "/generate") return Reply{json_reply(404, R"({"error":"no route"})")};
    return Reply{json_reply(200, R"({"generated_text":" there was","details":{"finish_reason":"length","generated_tokens":3,
      "tokens":[{"text":" there","logprob":-1.0},{"text":" was","logprob":-0.5},{"text":"","logprob":-0.5}]}})",
                            {{"x-prompt-tokens", "4"}, {"x-generated-tokens", "3"}})};
  });
  const std::string model = "huggingface/" + tgi.url("");
  const bj::object answer = complete(request_for(model, Endpoint::text));
  EXPECT_EQ(answer.at("model").as_string(), model);
  EXPECT_EQ(answer.at("object"), "text_completion");
  EXPECT_EQ(answer.at("choices").as_array()[0].at("text"), " there was");
  EXPECT_EQ(answer.at("choices").as_array()[0].at("finish_reason"), "length");
  EXPECT_EQ(answer.at("usage").at("prompt_tokens").as_int64(), 4);
  EXPECT_EQ(answer.at("usage").at("total_tokens").as_int64(), 7);
  const auto requests = tgi.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(*requests[0].header("authorization"), "Bearer " + std::string(kKey));
  const bj::object sent = json::parse(requests[0].body, "sent").as_object();
  EXPECT_EQ(sent.at("inputs"), "Once upon");
  EXPECT_EQ(sent.at("parameters").at("max_new_tokens").as_int64(), 3);
  EXPECT_EQ(sent.at("parameters").at("details"), true);
}

TEST_F(CompletionTest, ChatWithoutATemplateUsesTheEndpointsChatRoute) {
  ScriptedServer tgi([](const ScriptedServer::Request& request) {
    if (request.target == "/info") return Reply{json_reply(200, R"({"model_id":null,"version":"3.0.0"})")};
    if (request.target == "/v1/chat/completions") {
      if (request.body.find("\"stream\":true") != std::string::npos) {
        return Reply{events_reply("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}],\"model\":\"tgi\"}\n\n"
                                  "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}],\"model\":\"tgi\"}\n\n"
                                  "data: [DONE]\n\n"), true};
      }
      return Reply{json_reply(200, R"({"id":"x","object":"chat.completion","model":"tgi","choices":[{"index":0,
        "message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}})")};
    }
    return Reply{json_reply(404, R"({"error":"no route"})")};
  });
  const std::string model = "huggingface/" + tgi.url("");
  CompletionRequest request = request_for(model);
  request.body["tools"] = bj::array{bj::object{{"type", "function"}}};
  const bj::object answer = complete(request);
  EXPECT_EQ(answer.at("model").as_string(), model);
  EXPECT_EQ(answer.at("choices").as_array()[0].at("message").at("content"), "Hello");
  std::string streamed;
  complete_stream(request, [&](bj::object chunk) {
    EXPECT_EQ(chunk.at("model").as_string(), model);
    streamed += chunk.at("choices").as_array()[0].at("delta").at("content").as_string();
  });
  EXPECT_EQ(streamed, "Hello");
  const auto requests = tgi.requests();
  ASSERT_EQ(requests.size(), 3u) << "/info once, then the chat route twice";
  const bj::object sent = json::parse(requests[1].body, "sent").as_object();
  EXPECT_EQ(sent.at("model"), "tgi");
  EXPECT_TRUE(sent.contains("tools")) << "the body is passed through";
  EXPECT_FALSE(sent.contains("stream"));
}

TEST_F(CompletionTest, OpenAiCompatibleStreamsPassThroughAndCutsAreErrors) {
  ScriptedServer vllm([](const ScriptedServer::Request& request) {
    if (request.body.find("\"cut\"") != std::string::npos) {
      return Reply{events_reply("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choi"), true};
    }
    return Reply{events_reply("data: {\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":null}]}\n\n"
                              "data: {\"choices\":[{\"index\":0,\"text\":\"b\",\"finish_reason\":\"length\"}]}\n\n"
                              "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}\n\n"
                              "data: [DONE]\n\n"),
                 true};
  });
  CompletionRequest request = request_for("hosted_vllm/org/model", Endpoint::text);
  request.api_base = vllm.url("/v1");
  int chunks = 0;
  complete_stream(request, [&](bj::object chunk) {
    ++chunks;
    EXPECT_EQ(chunk.at("model"), "hosted_vllm/org/model");
  });
  EXPECT_EQ(chunks, 3);
  EXPECT_EQ(vllm.requests()[0].target, "/v1/completions");
  EXPECT_EQ(json::parse(vllm.requests()[0].body, "sent").at("model"), "org/model");
  request.body["user"] = "cut";
  chunks = 0;
  const UpstreamError cut = error_of([&] { complete_stream(request, [&](bj::object) { ++chunks; }); });
  EXPECT_EQ(cut.status(), 502);
  EXPECT_EQ(chunks, 1) << "the chunk before the cut was delivered";
}

TEST_F(CompletionTest, UpstreamStatusesFollowLiteLlmsTableWithTheProvidersMessage) {
  ScriptedServer upstream([](const ScriptedServer::Request& request) {
    const std::string& body = request.body;
    if (body.find("\"auth\"") != std::string::npos) {
      // Some providers quote the key they were given; it must not come back.
      return Reply{json_reply(401, R"({"error":{"message":"Invalid key hf_SecretKey0123456789","type":"invalid_request_error"}})")};
    }
    if (body.find("\"rate\"") != std::string::npos) return Reply{json_reply(400, R"({"error":"Rate limit reached. Try later"})")};
    if (body.find("\"length\"") != std::string::npos) {
      return Reply{json_reply(422, R"({"error":"Input validation error: length limit exceeded","error_type":"validation"})")};
    }
    if (body.find("\"busy\"") != std::string::npos) return Reply{json_reply(503, R"({"error":"Model is loading"})", {{"Retry-After", "7"}})};
    if (body.find("\"junk\"") != std::string::npos) return Reply{json_reply(200, "{\"choices\": [")};
    if (body.find("\"huge\"") != std::string::npos) {
      return Reply{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 900000000\r\n\r\n{", true};
    }
    return Reply{json_reply(500, "<html>upstream exploded</html>")};
  });
  auto call = [&](std::string_view user) {
    CompletionRequest request = request_for("huggingface/tgi");
    request.api_base = upstream.url("/v1/");
    request.body["user"] = user;
    return error_of([&] { complete(request); });
  };
  const UpstreamError auth = call("auth");
  EXPECT_EQ(auth.status(), 401);
  EXPECT_EQ(auth.type(), "AuthenticationError");
  EXPECT_NE(std::string(auth.what()).find("Invalid key ***"), std::string::npos) << auth.what();
  EXPECT_EQ(std::string(auth.what()).find(kKey), std::string::npos);
  EXPECT_EQ(call("rate").status(), 429);
  const UpstreamError length = call("length");
  EXPECT_EQ(length.status(), 400);
  EXPECT_NE(std::string(length.what()).find("ContextWindowExceededError"), std::string::npos);
  const UpstreamError busy = call("busy");
  EXPECT_EQ(busy.status(), 503);
  EXPECT_EQ(busy.retry_after(), std::chrono::seconds(7));
  EXPECT_NE(std::string(busy.what()).find("Model is loading"), std::string::npos);
  EXPECT_EQ(call("junk").status(), 502);
  EXPECT_EQ(call("huge").status(), 502);
  const UpstreamError html = call("other");
  EXPECT_EQ(html.status(), 500);
  EXPECT_NE(std::string(html.what()).find("upstream exploded"), std::string::npos);
}

TEST_F(CompletionTest, RefusedTimedOutAndCancelledCallsEndPromptly) {
  int dead_port = 0;
  {
    ScriptedServer closed([](const auto&) { return Reply{}; });
    dead_port = closed.port();
  }
  CompletionRequest refused = request_for("huggingface/http://127.0.0.1:" + std::to_string(dead_port), Endpoint::text);
  const UpstreamError connection = error_of([&] { complete(refused); });
  EXPECT_EQ(connection.status(), 500);
  EXPECT_NE(std::string(connection.what()).find("APIConnectionError"), std::string::npos) << connection.what();
  EXPECT_NE(std::string(connection.what()).find("127.0.0.1"), std::string::npos);

  ScriptedServer silent([](const auto&) { return Reply{.raw = "", .close = false, .hang = true}; });
  CompletionRequest slow = request_for("huggingface/" + silent.url(""), Endpoint::text);
  slow.timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(error_of([&] { complete(slow); }).status(), 408);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

  std::atomic<bool> cancel{false};
  CompletionRequest cancelled = request_for("huggingface/" + silent.url(""), Endpoint::text);
  cancelled.cancelled = [&] { return cancel.load(); };
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  const auto cancel_start = std::chrono::steady_clock::now();
  const UpstreamError aborted = error_of([&] { complete_stream(cancelled, [](bj::object) {}); });
  canceller.join();
  EXPECT_EQ(aborted.status(), 499);
  EXPECT_FALSE(aborted.retryable());
  EXPECT_LT(std::chrono::steady_clock::now() - cancel_start, std::chrono::seconds(3));
}

TEST_F(CompletionTest, AChunkConsumersOwnErrorPropagatesUnchanged) {
  ScriptedServer tgi([](const auto&) {
    return Reply{events_reply("data:{\"index\":1,\"token\":{\"text\":\"a\",\"logprob\":-1,\"special\":false},\"generated_text\":null,\"details\":null}\n\n"), true};
  });
  CompletionRequest request = request_for("huggingface/" + tgi.url(""), Endpoint::text);
  try {
    complete_stream(request, [](bj::object) { throw Error(ErrorCode::unavailable, "the client went away"); });
    FAIL();
  } catch (const UpstreamError&) {
    FAIL() << "the consumer's error became an upstream error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "the client went away");
  }
}

TEST_F(CompletionTest, ManyThreadsAtOnceShareWhatIsLearntAboutAnEndpoint) {
  std::atomic<int> infos{0};
  ScriptedServer tgi([&](const ScriptedServer::Request& request) {
    if (request.target == "/info") {
      ++infos;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the others arrive while it is asked
      return Reply{json_reply(200, R"({"model_id":"/repository"})")};
    }
    return Reply{json_reply(200, R"({"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]})")};
  });
  const std::string model = "huggingface/" + tgi.url("");
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        if (complete(request_for(model)).at("choices").as_array()[0].at("message").at("content") == "ok") ++answered;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(answered.load(), 40);
  EXPECT_EQ(infos.load(), 1) << "/info is asked once";
  const auto requests = tgi.requests();
  EXPECT_EQ(json::parse(requests.back().body, "sent").at("model"), "/repository") << "the chat route gets /info's model id";
  EXPECT_LE(tgi.connections(), 9) << "each thread keeps its connection alive";
}

TEST_F(CompletionTest, BadRequestsAreInvalidParameters) {
  CompletionRequest request;
  EXPECT_THROW(complete(request), InvalidParameter);
  request.body["model"] = "nope/x";
  EXPECT_THROW(complete(request), InvalidParameter);
}

}  // namespace
}  // namespace gatehouse::gateway
