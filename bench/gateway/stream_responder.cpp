// The streaming upstream of bench/gateway/run.mjs: an http::Server answering any POST with an
// OpenAI chat-completion stream, its first chunk at once and then --events more, --gap-ms apart,
// then "data: [DONE]" (a non-streamed request gets one fixed answer). Prints {"port": N} and
// serves until its standard input closes.
// Usage: gateway_stream_responder [--threads N] [--events N] [--gap-ms N]
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "http/server.h"

using namespace gatehouse::http;

namespace {

std::string chunk(int index) {
  return R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"bench","choices":[{"index":0,"delta":{"content":"token )" +
         std::to_string(index) + R"( "},"finish_reason":null}]})" "\n\n";
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  int events = 16;
  int gap_ms = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") threads = std::stoi(argv[i + 1]);
    else if (flag == "--events") events = std::stoi(argv[i + 1]);
    else if (flag == "--gap-ms") gap_ms = std::stoi(argv[i + 1]);
  }
  const std::string answer =
      R"({"id":"chatcmpl-bench","object":"chat.completion","created":1,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})";
  ServerOptions options;
  options.threads = threads;
  Server responder(options, [&](const Request& request) {
    if (request.body.find("\"stream\":true") == std::string::npos && request.body.find("\"stream\": true") == std::string::npos) {
      return Response::json(200, answer);
    }
    auto stream = std::make_shared<ResponseStream>();
    Response response = Response::with_body(200, "", "text/event-stream");
    response.stream = stream;
    stream->write(chunk(0));
    std::thread([stream, events, gap_ms] {
      for (int i = 1; i <= events && !stream->client_gone(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
        stream->write(chunk(i));
      }
      stream->write("data: [DONE]\n\n");
      stream->close();
    }).detach();
    return response;
  });
  std::thread server_thread([&] { responder.run(); });
  std::printf("{\"port\": %u}\n", unsigned(responder.port()));
  std::fflush(stdout);
  for (std::string line; std::getline(std::cin, line);) {
  }
  responder.stop();
  server_thread.join();
}
