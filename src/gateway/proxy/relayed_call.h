// The fast path of /v1/chat/completions and /v1/completions: a call whose deployments all speak
// OpenAI's format over plain HTTP at an IP literal or localhost is carried out by the HTTP server's
// own event loop (http::ProxyTarget), with no worker thread: the request goes upstream with its
// body rewritten for the deployment, each answer is judged before any of it is relayed (a
// retryable failure tries the next deployment after its backoff, as CallLedger decides), a
// non-streamed answer is read whole (bounded) and answered, and a stream's events pass through a
// filter that rewrites `model`, reads usage and drops the usage chunk the client did not ask for.
// Every other deployment (TGI's native API, https, hostnames) goes through CompletionCall.
// RelayRoutes is immutable after construction and thread-safe; a RelayedCall lives on the thread
// of its client's connection, owned by the targets and filters that refer to it.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/proxy/completion_call.h"
#include "http/server.h"

namespace gatehouse::gateway {

class Router;
struct Deployment;

// Where a deployment is sent on the fast path.
struct RelayRoute {
  http::Upstream upstream;
  std::string path;            // the route's path on the upstream
  std::string url;             // the whole URL, for messages
  std::string upstream_model;  // the `model` sent; empty: none
  std::optional<SecretString> key;
  bool hugging_face = false;
};

class RelayRoutes {
 public:
  RelayRoutes(const std::vector<Deployment>& deployments, const Router& router);

  // The route of a deployment for an endpoint; null when it needs the worker path.
  const RelayRoute* find(const Deployment& deployment, Endpoint endpoint) const;
  // Whether every deployment a call for model_name may try (its group and its fallbacks) has one.
  bool covers(std::string_view model_name, Endpoint endpoint) const;

 private:
  std::map<std::string, std::array<std::optional<RelayRoute>, 2>, std::less<>> routes_;  // by deployment id
  std::map<std::string, std::array<bool, 2>, std::less<>> covered_;                    // by model_name
};

// Starts the call: its answer (proxied, or an error found before any upstream was tried).
// `in_flight` counts the call until its last exchange is over.
http::Response relay_call(const CallServices& services, const RelayRoutes& routes, ProxyRequest request,
                          const std::optional<SecretString>& virtual_key, Clock::time_point received,
                          std::atomic<int64_t>& in_flight);

}  // namespace gatehouse::gateway
