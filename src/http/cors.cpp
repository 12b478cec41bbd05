#include "http/cors.h"

#include <strings.h>

#include <algorithm>
#include <set>

namespace gatehouse::http {
namespace {

// What "*" in the allowed methods stands for, as Starlette spells it.
const std::vector<std::string> kAllMethods = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"};
// Request headers a browser may send cross-origin without asking (the CORS-safelisted ones).
const std::set<std::string> kSafelistedHeaders = {"Accept", "Accept-Language", "Content-Language", "Content-Type"};

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool contains_ignoring_case(const std::vector<std::string>& list, const std::string& item) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& entry) { return strcasecmp(entry.c_str(), item.c_str()) == 0; });
}

std::string trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t") + 1 - begin);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

// The response answers differently per origin: caches must key on it.
void vary_on_origin(Response& response) {
  for (auto& [name, value] : response.headers) {
    if (strcasecmp(name.c_str(), "vary") == 0) {
      value += ", Origin";
      return;
    }
  }
  response.headers.emplace_back("Vary", "Origin");
}

}  // namespace

CorsPolicy::CorsPolicy(CorsOptions options)
    : origins_(std::move(options.allowed_origins)),
      methods_(contains(options.allowed_methods, "*") ? kAllMethods : std::move(options.allowed_methods)),
      all_origins_(contains(origins_, "*")),
      all_headers_(contains(options.allowed_headers, "*")),
      credentials_(options.allow_credentials),
      exposed_(join(options.expose_headers)) {
  std::set<std::string> allowed_headers(kSafelistedHeaders);
  allowed_headers.insert(options.allowed_headers.begin(), options.allowed_headers.end());
  headers_.assign(allowed_headers.begin(), allowed_headers.end());
  // With credentials, "*" may not be the answer (browsers refuse it), so the origin is echoed.
  if (!all_origins_ || credentials_) {
    preflight_headers_.emplace_back("Vary", "Origin");
  } else {
    preflight_headers_.emplace_back("Access-Control-Allow-Origin", "*");
  }
  preflight_headers_.emplace_back("Access-Control-Allow-Methods", join(methods_));
  preflight_headers_.emplace_back("Access-Control-Max-Age", std::to_string(options.max_age_seconds));
  if (!all_headers_) {
    preflight_headers_.emplace_back("Access-Control-Allow-Headers", join(headers_));
  }
  if (credentials_) preflight_headers_.emplace_back("Access-Control-Allow-Credentials", "true");
}

bool CorsPolicy::origin_allowed(const std::string& origin) const { return all_origins_ || contains(origins_, origin); }

std::optional<Response> CorsPolicy::preflight(const Request& request) const {
  const std::string* origin = request.header("origin");
  const std::string* method = request.header("access-control-request-method");
  if (request.method != "OPTIONS" || !origin || !method) return std::nullopt;
  Response response;
  response.headers = preflight_headers_;
  std::vector<std::string> failures;
  if (!origin_allowed(*origin)) {
    failures.emplace_back("origin");
  } else if (!all_origins_ || credentials_) {
    response.headers.emplace_back("Access-Control-Allow-Origin", *origin);
  }
  if (!contains(methods_, *method)) failures.emplace_back("method");
  if (const std::string* requested = request.header("access-control-request-headers")) {
    if (all_headers_) {
      response.headers.emplace_back("Access-Control-Allow-Headers", *requested);
    } else {
      // Every listed name must be allowed; an empty element (a stray comma) is not.
      for (size_t start = 0; start <= requested->size();) {
        const size_t comma = std::min(requested->find(',', start), requested->size());
        if (!contains_ignoring_case(headers_, trim(requested->substr(start, comma - start)))) {
          failures.emplace_back("headers");
          break;
        }
        start = comma + 1;
      }
    }
  }
  const bool refused = !failures.empty();
  response.status = refused ? 400 : 200;
  response.body = refused ? "Disallowed CORS " + join(failures) : "OK";
  response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  return response;
}

void CorsPolicy::apply(const Request& request, Response& response) const {
  const std::string* origin = request.header("origin");
  if (!origin) return;
  if (all_origins_) response.set_header("Access-Control-Allow-Origin", "*");
  if (credentials_) response.set_header("Access-Control-Allow-Credentials", "true");
  if (!exposed_.empty()) response.set_header("Access-Control-Expose-Headers", exposed_);
  // A request with cookies must not be answered "*"; a list of origins answers with the one that asked.
  if ((all_origins_ && request.header("cookie")) || (!all_origins_ && origin_allowed(*origin))) {
    response.set_header("Access-Control-Allow-Origin", *origin);
    vary_on_origin(response);
  }
}

}  // namespace gatehouse::http
