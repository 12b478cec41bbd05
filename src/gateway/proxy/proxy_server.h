// The HTTP API of `gatehouse gateway`, LiteLLM's proxy routes: /v1/chat/completions and
// /v1/completions (and without /v1), /v1/models, /health (a real check of every deployment),
// /health/liveliness (/health/liveness), /health/readiness, /metrics, and /key/* (virtual keys,
// delegated to KeyApi). With a master key, every route but the health probes needs
// "Authorization: Bearer <master key or virtual key>"; a virtual key is admitted by the KeyStore
// (its model allow-list, limits, budget) and charged what the call cost.
// The handler never waits on an upstream: it reads and checks the request, then has the server's
// event loop relay the call (RelayedCall, for OpenAI-compatible upstreams over plain HTTP at an IP
// literal or localhost) or hands it to the worker pool and answers through a ResponseStream. The
// calls in progress, both ways, are bounded by the pool's threads plus its queue: past that, 429
// at once.
// Owns its metrics; borrows the config, router, key store and pool, which outlive it.
// handle() is thread-safe.
#pragma once

#include <optional>

#include "base/worker_pool.h"
#include "gateway/config/gateway_config.h"
#include "gateway/proxy/completion_call.h"
#include "gateway/proxy/proxy_metrics.h"
#include "gateway/proxy/relayed_call.h"
#include "http/router.h"
#include "http/server.h"

namespace gatehouse::gateway {

class KeyStore;
class KeyApi;

class ProxyServer {
 public:
  // `keys` and `key_api` are null when virtual keys are off (no master key).
  ProxyServer(const GatewayConfig& config, Router& router, KeyStore* keys, KeyApi* key_api, WorkerPool& pool);

  http::Response handle(const http::Request& request);
  // Ends the calls in progress as if their clients had left (their upstream transfers stop), so
  // that the worker pool can be joined soon after the server stopped.
  void stop() { stopping_ = true; }

 private:
  // Who is calling: nullopt for the master key (or anyone, without one), else the virtual key.
  // Throws Error(unauthenticated) when a key is needed and missing or unknown.
  std::optional<SecretString> caller(const http::Request& request) const;
  http::Response completion(const http::Request& request, Endpoint endpoint);
  http::Response models(const http::Request& request) const;
  http::Response health(const http::Request& request);
  http::Response readiness() const;
  http::Response metrics(const http::Request& request) const;
  http::Response keys(const http::Request& request);
  // Runs `job` on the pool, which finishes the returned stream; 429 when the pool is full.
  http::Response on_worker(std::function<http::Response()> job, const std::string& route);
  http::Response overloaded(const std::string& route);
  // Whether another call may start: those in progress, relayed or on the pool, below its capacity.
  bool has_capacity() const;

  const GatewayConfig& config_;
  Router& router_;
  KeyStore* keys_;
  KeyApi* key_api_;
  WorkerPool& pool_;
  ProxyMetrics metrics_;
  std::atomic<bool> stopping_{false};
  CallServices services_;
  RelayRoutes relay_routes_;
  std::atomic<int64_t> relayed_{0};  // relayed calls in progress
  http::Router routes_;
};

}  // namespace gatehouse::gateway
