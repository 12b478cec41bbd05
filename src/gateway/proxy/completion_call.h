// One client request for /v1/chat/completions or /v1/completions, carried out on a worker thread
// (never on the server's event loop): the virtual key admitted, a deployment picked by the router,
// retried elsewhere with backoff on a retryable failure before any byte reached the client (then
// the fallback groups in order), the answer or the stream's chunks passed to the client through
// its ResponseStream, tokens, spend and metrics recorded. The gateway's overhead (total time, or
// the time to the first byte of a stream, less the time spent waiting on upstreams and backing
// off) goes out in x-gateway-overhead-ms. The client leaving sets `cancelled`, which stops the
// upstream transfer. A CompletionCall is used once, by one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "base/secret_string.h"
#include "gateway/proxy/proxy_metrics.h"
#include "gateway/proxy/request_reader.h"
#include "http/server.h"

namespace gatehouse::gateway {

class Router;
class KeyStore;
struct Deployment;
class UpstreamError;
class CallLedger;

using Clock = std::chrono::steady_clock;

// The gateway's shared pieces a call uses; they outlive every call.
struct CallServices {
  Router& router;
  ProxyMetrics& metrics;
  KeyStore* keys = nullptr;  // set when virtual keys are on
  const std::atomic<bool>& stopping;  // set when the gateway shuts down: every call ends as if cancelled
};

class CompletionCall {
 public:
  CompletionCall(const CallServices& services, ProxyRequest request, std::optional<SecretString> virtual_key, Clock::time_point received,
                 std::shared_ptr<http::ResponseStream> stream, std::shared_ptr<std::atomic<bool>> cancelled);
  ~CompletionCall();

  void run();

 private:
  // One try on one deployment: returns once the client has its answer (or left); throws the
  // upstream's failure otherwise.
  void attempt(const Deployment& deployment);
  void pass_chunk(boost::json::object& chunk);
  void answer_failure(const UpstreamError& error);
  // Waits before a retry, in short steps so that a client leaving ends it.
  void back_off(Clock::duration wait);
  bool cancelled() const { return cancelled_->load(std::memory_order_relaxed) || services_.stopping.load(std::memory_order_relaxed); }

  const CallServices& services_;
  ProxyRequest request_;
  std::optional<SecretString> virtual_key_;
  std::shared_ptr<http::ResponseStream> stream_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  std::unique_ptr<CallLedger> ledger_;
  bool started_ = false;  // a stream's first chunk went to the client
  int64_t prompt_tokens_ = 0, completion_tokens_ = 0;
};

}  // namespace gatehouse::gateway
