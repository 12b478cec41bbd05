#include "gateway/proxy/health_check.h"

#include <boost/json.hpp>
#include <future>
#include <optional>
#include <string>

#include "base/error.h"
#include "gateway/providers/route.h"
#include "gateway/router/deployment.h"
#include "http/client.h"

namespace gatehouse::gateway {
namespace {

namespace bj = boost::json;

// The server root to check: api_base, or the endpoint URL in "huggingface/http://...", without a
// trailing "/v1".
std::optional<std::string> server_root(const Deployment& deployment) {
  std::string base;
  if (deployment.api_base) {
    base = *deployment.api_base;
  } else if (const size_t slash = deployment.model.find('/'); slash != std::string::npos) {
    const std::string rest = deployment.model.substr(slash + 1);
    if (rest.rfind("http://", 0) != 0 && rest.rfind("https://", 0) != 0) return std::nullopt;
    base = rest;
  } else {
    return std::nullopt;
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0) base.resize(base.size() - 3);
  return base;
}

// The key a call to the deployment sends (explicit, environment, control-plane secret); its own
// api_key when its model names no provider the gateway knows.
std::optional<SecretString> key_for(const Deployment& deployment) {
  try {
    const providers::Route route = providers::resolve_route(deployment.model, deployment.api_base, Endpoint::chat);
    return providers::resolve_key(route, deployment.api_key, deployment.secret_key);
  } catch (const Error&) {
    return deployment.api_key;
  }
}

// nullopt when healthy, else what went wrong.
std::optional<std::string> check(const Deployment& deployment, const std::string& root, std::chrono::milliseconds timeout) {
  http::HttpClient client;
  http::ClientRequest request;
  request.url = root + "/health";
  request.timeout = timeout;
  request.connect_timeout = timeout;
  request.bearer_token = key_for(deployment);
  request.max_body_bytes = 1 << 20;
  try {
    http::ClientResponse response = client.send(request);
    if (response.status == 404 || response.status == 405) {
      request.url = root + "/v1/models";
      response = client.send(request);
    }
    if (response.status >= 200 && response.status < 300) return std::nullopt;
    return "GET " + http::redact_url(request.url) + " answered " + std::to_string(response.status);
  } catch (const Error& error) {
    return std::string(error.what());
  }
}

}  // namespace

bj::object check_deployments(const std::vector<Deployment>& deployments, std::chrono::milliseconds timeout) {
  std::vector<std::optional<std::string>> roots;
  std::vector<std::future<std::optional<std::string>>> checks;
  for (const Deployment& deployment : deployments) {
    roots.push_back(server_root(deployment));
    checks.push_back(roots.back() ? std::async(std::launch::async, check, std::cref(deployment), *roots.back(), timeout)
                                  : std::future<std::optional<std::string>>{});
  }
  bj::array healthy, unhealthy, unchecked;
  for (size_t i = 0; i < deployments.size(); ++i) {
    const Deployment& deployment = deployments[i];
    bj::object entry{{"id", deployment.id}, {"model_name", deployment.model_name}, {"model", deployment.model}};
    if (roots[i]) entry["api_base"] = http::redact_url(*roots[i]);
    if (!roots[i]) {
      unchecked.push_back(std::move(entry));
    } else if (std::optional<std::string> problem = checks[i].get()) {
      entry["error"] = *problem;
      unhealthy.push_back(std::move(entry));
    } else {
      healthy.push_back(std::move(entry));
    }
  }
  const size_t healthy_count = healthy.size(), unhealthy_count = unhealthy.size();
  return bj::object{{"healthy_endpoints", std::move(healthy)},
                    {"unhealthy_endpoints", std::move(unhealthy)},
                    {"unchecked_endpoints", std::move(unchecked)},
                    {"healthy_count", healthy_count},
                    {"unhealthy_count", unhealthy_count}};
}

}  // namespace gatehouse::gateway
