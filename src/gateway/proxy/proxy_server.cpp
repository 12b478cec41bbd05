#include "gateway/proxy/proxy_server.h"

#include <boost/json.hpp>
#include <algorithm>

#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "base/version.h"
#include "gateway/keys/key_api.h"
#include "gateway/proxy/call_ledger.h"
#include "gateway/proxy/health_check.h"
#include "gateway/router/router.h"
#include "api/error_envelope.h"
#include "http/error_status.h"
#include "http/auth.h"

namespace gatehouse::gateway {
namespace {

namespace bj = boost::json;

constexpr auto kHealthCheckTimeout = std::chrono::seconds(5);

std::string elapsed_ms(Clock::time_point since) {
  return milliseconds_text(std::chrono::duration<double, std::milli>(Clock::now() - since).count());
}

}  // namespace

ProxyServer::ProxyServer(const GatewayConfig& config, Router& router, KeyStore* keys, KeyApi* key_api, WorkerPool& pool)
    : config_(config), router_(router), keys_(keys), key_api_(key_api), pool_(pool), services_{router, metrics_, keys, stopping_},
      relay_routes_(config.deployments, router) {
  for (const char* prefix : {"/v1", ""}) {
    const std::string p = prefix;
    routes_.add("POST", p + "/chat/completions", [this](const http::Request& r, const http::RouteParams&) { return completion(r, Endpoint::chat); });
    routes_.add("POST", p + "/completions", [this](const http::Request& r, const http::RouteParams&) { return completion(r, Endpoint::text); });
    routes_.add("GET", p + "/models", [this](const http::Request& r, const http::RouteParams&) { return models(r); });
  }
  routes_.add("GET", "/health", [this](const http::Request& r, const http::RouteParams&) { return health(r); });
  for (const char* probe : {"/health/liveliness", "/health/liveness"}) {
    routes_.add("GET", probe, [](const http::Request&, const http::RouteParams&) { return http::Response::json(200, "\"I'm alive!\""); });
  }
  routes_.add("GET", "/health/readiness", [this](const http::Request&, const http::RouteParams&) { return readiness(); });
  routes_.add("GET", "/metrics", [this](const http::Request& r, const http::RouteParams&) { return metrics(r); });
}

http::Response ProxyServer::handle(const http::Request& request) {
  try {
    if (request.path.rfind("/key/", 0) == 0) return keys(request);
    const http::RouteMatch match = routes_.find(request.method, request.path);
    switch (match.kind) {
      case http::RouteMatch::Kind::found: return (*match.handler)(request, match.params);
      case http::RouteMatch::Kind::method_not_allowed:
        return api::openai_error_response(405, "method " + request.method + " is not allowed on " + request.path + "; use " + match.allow_header())
            .set_header("Allow", match.allow_header());
      case http::RouteMatch::Kind::no_such_path: break;
    }
    return api::openai_error_response(404, "no route " + request.method + " " + request.path + "; the gateway serves /v1/chat/completions, /v1/completions, "
                                   "/v1/models, /health, /metrics and /key/* (docs/gateway.md)");
  } catch (const InvalidParameter& error) {
    return api::openai_error_response(400, error.what(), error.parameter());
  } catch (const UpstreamError& error) {
    return api::openai_error_response(error.status(), error.what());
  } catch (const Error& error) {
    const int status = http::status_for(error.code());
    if (status >= 500) {
      GH_LOG(error) << request.method << " " << request.path << ": " << error.what();
    }
    return api::openai_error_response(status, error.what());
  }
}

std::optional<SecretString> ProxyServer::caller(const http::Request& request) const {
  if (!config_.master_key) return std::nullopt;
  const std::optional<std::string_view> given = http::authorization_credentials(request, {"Bearer"});
  if (!given || given->empty()) {
    throw Error(ErrorCode::unauthenticated, "this gateway needs a key: send \"Authorization: Bearer <master key or virtual key>\"");
  }
  if (http::constant_time_equals(*given, config_.master_key->reveal())) return std::nullopt;
  if (!keys_) throw Error(ErrorCode::unauthenticated, "the key sent is not this gateway's master key");
  return SecretString(std::string(*given));  // checked by KeyStore::admit, on the worker
}

http::Response ProxyServer::completion(const http::Request& request, Endpoint endpoint) {
  const Clock::time_point received = Clock::now();
  const std::string route = endpoint == Endpoint::chat ? "chat/completions" : "completions";
  std::optional<SecretString> virtual_key;
  std::optional<ProxyRequest> parsed;
  try {
    virtual_key = caller(request);
    parsed = read_proxy_request(request.body, endpoint);
    if (!router_.has_model(parsed->model_name)) {
      throw InvalidParameter("model", "model \"" + parsed->model_name + "\" is not served by this gateway; GET /v1/models lists the models");
    }
  } catch (const Error& error) {
    const InvalidParameter* invalid = dynamic_cast<const InvalidParameter*>(&error);
    int status = invalid ? 400 : http::status_for(error.code());
    if (invalid && invalid->parameter() == "model" && parsed && !router_.has_model(parsed->model_name)) status = 404;
    http::Response response = api::openai_error_response(status, error.what(), invalid ? invalid->parameter() : "");
    // Labelled by the group, never by the name a client sent (an unknown one gets "").
    metrics_.record_request(parsed ? router_.group_name(parsed->model_name).value_or("") : "", status, 0, 0);
    return response.set_header("x-gateway-overhead-ms", elapsed_ms(received));
  }
  const bool stream = parsed->stream;
  const std::string model_name = parsed->model_name;
  if (!has_capacity()) {
    metrics_.record_rejected();
    metrics_.record_request(*router_.group_name(model_name), 429, 0, 0);
    return overloaded(route).set_header("x-gateway-overhead-ms", elapsed_ms(received));
  }
  if (relay_routes_.covers(model_name, endpoint)) return relay_call(services_, relay_routes_, std::move(*parsed), virtual_key, received, relayed_);
  auto response_stream = std::make_shared<http::ResponseStream>();
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  response_stream->on_client_gone([cancelled] { cancelled->store(true); });
  auto call = std::make_shared<CompletionCall>(services_, std::move(*parsed), std::move(virtual_key), received, response_stream, cancelled);
  if (!pool_.try_submit([call] { call->run(); })) {
    metrics_.record_rejected();
    metrics_.record_request(*router_.group_name(model_name), 429, 0, 0);
    return overloaded(route).set_header("x-gateway-overhead-ms", elapsed_ms(received));
  }
  http::Response response =
      stream ? http::Response::with_body(200, "", "text/event-stream") : http::Response::json(200, "");
  if (stream) response.set_header("Cache-Control", "no-cache");
  response.stream = std::move(response_stream);
  return response;
}

bool ProxyServer::has_capacity() const {
  const WorkerPool::Load load = pool_.load();
  return size_t(relayed_.load(std::memory_order_relaxed)) + load.busy + load.queued < load.threads + load.max_queued;
}

http::Response ProxyServer::overloaded(const std::string& route) {
  const WorkerPool::Load load = pool_.load();
  const size_t running = load.busy + size_t(relayed_.load(std::memory_order_relaxed));
  return api::openai_error_response(429, "the gateway is at capacity (" + std::to_string(running) + " requests running, " +
                                     std::to_string(load.queued) + " queued): retry " + route +
                                     " after a second, or start the gateway with more --workers or a longer --max-queue")
      .set_header("Retry-After", "1");
}

http::Response ProxyServer::on_worker(std::function<http::Response()> job, const std::string& route) {
  auto stream = std::make_shared<http::ResponseStream>();
  const bool queued = pool_.try_submit([stream, job = std::move(job)] {
    try {
      stream->finish(job());
    } catch (const Error& error) {
      stream->finish(api::openai_error_response(http::status_for(error.code()), error.what()));
    }
  });
  if (!queued) return overloaded(route);
  http::Response response;
  response.stream = std::move(stream);
  return response;
}

http::Response ProxyServer::models(const http::Request& request) const {
  const std::optional<SecretString> virtual_key = caller(request);
  // A virtual key sees the models it may call, as LiteLLM lists them.
  const std::vector<std::string> allowed = virtual_key ? keys_->allowed_models(*virtual_key) : std::vector<std::string>{};
  static const int64_t created =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  bj::array data;
  for (const std::string& name : router_.model_names()) {
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) continue;
    data.push_back(bj::object{{"id", name}, {"object", "model"}, {"created", created}, {"owned_by", "gatehouse"}});
  }
  return http::Response::json(200, json::serialize(bj::object{{"object", "list"}, {"data", std::move(data)}}));
}

http::Response ProxyServer::health(const http::Request& request) {
  caller(request);
  return on_worker([this] { return http::Response::json(200, json::serialize(check_deployments(config_.deployments, kHealthCheckTimeout))); },
                   "/health");
}

http::Response ProxyServer::readiness() const {
  bj::object status{{"status", "healthy"},
                    {"db", keys_ ? "connected" : "Not connected"},
                    {"gatehouse_version", kVersion},
                    {"models", router_.model_names().size()}};
  return http::Response::json(200, json::serialize(status));
}

http::Response ProxyServer::metrics(const http::Request& request) const {
  caller(request);
  MetricsSnapshot snapshot;
  for (const Deployment& deployment : config_.deployments) snapshot.deployments.push_back(deployment.id);
  const Router::Stats stats = router_.stats();
  snapshot.cooling_down = stats.cooling_down;
  snapshot.cooldowns_total = static_cast<int64_t>(stats.cooldowns);
  const WorkerPool::Load load = pool_.load();
  snapshot.workers = static_cast<int64_t>(load.threads);
  snapshot.workers_busy = static_cast<int64_t>(load.busy);
  snapshot.queued = static_cast<int64_t>(load.queued);
  snapshot.relayed = relayed_.load(std::memory_order_relaxed);
  return http::Response::with_body(200, metrics_.render(snapshot), "text/plain; version=0.0.4; charset=utf-8");
}

http::Response ProxyServer::keys(const http::Request& request) {
  if (!key_api_) {
    return api::openai_error_response(404, "virtual keys are off: set general_settings.master_key in the config to manage keys at " + request.path);
  }
  // KeyApi checks the keys itself (the master key, or a virtual key asking about itself); it may
  // write to its database, so not on the event loop.
  return on_worker(
      [this, request] {
        std::optional<http::Response> answer = key_api_->handle(request);
        return answer ? std::move(*answer) : api::openai_error_response(404, "no route " + request.method + " " + request.path + " under /key/");
      },
      request.path);
}

}  // namespace gatehouse::gateway
