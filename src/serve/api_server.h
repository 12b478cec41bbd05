// The HTTP API of `gatehouse serve`: vLLM's OpenAI routes (/v1/chat/completions, /v1/completions,
// /v1/models), its operational routes (/health, /ping, /version, /tokenize, /detokenize,
// /metrics) and TGI's (/generate, /generate_stream, /info, POST /). Generation requests are parsed
// and tokenized on the server thread, then answered from the engine thread through a
// ResponseStream. handle() is thread-safe.
#pragma once

#include <string>
#include <vector>

#include "base/secret_string.h"
#include "http/server.h"
#include "serve/served_model.h"

namespace gatehouse::serve {

class ApiServer {
 public:
  // With `api_keys`, the generation routes, /tokenize and /detokenize need
  // "Authorization: Bearer <one of them>".
  ApiServer(ServedModel& model, std::vector<SecretString> api_keys);

  http::Response handle(const http::Request& request);

 private:
  http::Response route(const http::Request& request);
  bool authorized(const http::Request& request) const;
  http::Response generate(const http::Request& request, bool chat);
  http::Response tokenize(const http::Request& request);
  http::Response detokenize(const http::Request& request);
  http::Response models() const;

  ServedModel& model_;
  std::vector<SecretString> api_keys_;
};

}  // namespace gatehouse::serve
