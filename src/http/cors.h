// Cross-origin resource sharing, so that browser apps on other origins can call a Server: the
// policy a Server applies before its handler (ServerOptions::cors) answers preflights itself,
// before routing and authentication, and adds the Access-Control-* headers to the other answers.
// It behaves as Starlette's CORSMiddleware does (what vLLM's --allowed-origins, --allowed-methods,
// --allowed-headers and --allow-credentials configure), so browser clients see the same headers
// from us as from vLLM. Immutable after construction, so thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/server.h"

namespace gatehouse::http {

struct CorsOptions {
  // Exact origins ("https://app.example"), or "*" for any. The defaults are vLLM's.
  std::vector<std::string> allowed_origins{"*"};
  // Methods a preflight may ask for (exact, case-sensitive), or "*" for the common seven.
  std::vector<std::string> allowed_methods{"*"};
  // Request headers a preflight may ask for (case-insensitive), or "*" for any; the CORS-safelisted
  // Accept, Accept-Language, Content-Language and Content-Type are always allowed.
  std::vector<std::string> allowed_headers{"*"};
  bool allow_credentials = false;
  // Response headers a browser app may read beyond the CORS-safelisted ones (the Hub's X-Repo-Commit, ...).
  std::vector<std::string> expose_headers{};
  int max_age_seconds = 600;  // how long a browser may cache a preflight's answer
};

class CorsPolicy {
 public:
  explicit CorsPolicy(CorsOptions options);

  // The answer to a preflight (OPTIONS with Origin and Access-Control-Request-Method): 200, or 400
  // "Disallowed CORS origin, method, headers" naming what was refused. nullopt for any other request.
  std::optional<Response> preflight(const Request& request) const;

  // Adds the Access-Control-* headers (and Vary: Origin where the answer depends on the origin) to
  // the answer to a request that is not a preflight; requests without Origin are left alone.
  void apply(const Request& request, Response& response) const;

 private:
  bool origin_allowed(const std::string& origin) const;

  std::vector<std::string> origins_;
  std::vector<std::string> methods_;
  std::vector<std::string> headers_;  // the safelisted and the allowed, sorted; matched without case
  bool all_origins_;
  bool all_headers_;
  bool credentials_;
  std::string exposed_;  // the expose_headers, joined; empty for none
  Headers preflight_headers_;  // what every preflight answer carries
};

}  // namespace gatehouse::http
