// The ingress proxy's cost, measured by bench/control/run.mjs: a fixed responder (an http::Server
// answering /small with a small JSON body and /stream with N server-sent events) and a proxy
// server in front of it (Response::proxied, as the ingress answers). Prints one JSON line with
// both ports, then serves until its standard input closes.
// Usage: proxy_bench [--threads N] [--events N]
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "http/server.h"

using namespace gatehouse::http;

int main(int argc, char** argv) {
  int threads = 2;
  int events = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") threads = std::stoi(argv[i + 1]);
    else if (flag == "--events") events = std::stoi(argv[i + 1]);
  }
  const std::string small = R"({"id":"bench","object":"list","data":[{"id":"model","owned_by":"gatehouse"}]})";
  std::string stream_body;
  for (int i = 0; i < events; ++i) {
    stream_body += R"(data: {"choices":[{"index":0,"delta":{"content":"token )" + std::to_string(i) + R"("}}]})" "\n\n";
  }
  ServerOptions options;
  options.threads = threads;
  Server responder(options, [&](const Request& request) {
    if (request.path != "/stream") return Response::json(200, small);
    auto stream = std::make_shared<ResponseStream>();
    Response response = Response::with_body(200, "", "text/event-stream");
    response.stream = stream;
    stream->write(stream_body);
    stream->close();
    return response;
  });
  const uint16_t upstream_port = responder.port();
  Server proxy(options, [&](const Request&) {
    ProxyTarget target;
    target.upstream = {"127.0.0.1", upstream_port};
    return Response::proxied(std::move(target));
  });
  std::thread responder_thread([&] { responder.run(); });
  std::thread proxy_thread([&] { proxy.run(); });
  std::printf("{\"direct\": %u, \"proxy\": %u}\n", unsigned(upstream_port), unsigned(proxy.port()));
  std::fflush(stdout);
  for (std::string line; std::getline(std::cin, line);) {
  }
  proxy.stop();
  responder.stop();
  proxy_thread.join();
  responder_thread.join();
}
