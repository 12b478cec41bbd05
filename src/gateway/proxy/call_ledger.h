// One client call's bookkeeping, the same whichever way its upstream exchanges run (blocking, on a
// worker: CompletionCall; or relayed by the server's event loop: RelayedCall): the virtual key's
// admission and spend, which deployment to try next (the router's pick over the model group, then
// its fallback groups) and the backoff before it, how each try ended (router and metrics), the
// gateway's overhead (time not spent waiting on upstreams or backing off), and the error answer.
// Borrows the services, which outlive it. Not thread-safe: one call, one thread at a time.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/secret_string.h"
#include "gateway/keys/key_store.h"
#include "gateway/proxy/completion_call.h"
#include "gateway/proxy/request_reader.h"
#include "gateway/upstream_error.h"
#include "http/server.h"

namespace gatehouse::gateway {

struct Deployment;

class CallLedger {
 public:
  CallLedger(const CallServices& services, const ProxyRequest& request, Clock::time_point received);
  ~CallLedger();  // gives the key's grant back
  CallLedger(const CallLedger&) = delete;
  CallLedger& operator=(const CallLedger&) = delete;

  // Throws UpstreamError when the virtual key may not make this call (its models, limits, budget).
  void admit(const std::optional<SecretString>& virtual_key);

  struct Try {
    const Deployment* deployment = nullptr;
    Clock::duration backoff{0};  // to wait before it
  };
  // The next try, or nullopt when none is left (every retry and fallback spent, or nothing available).
  std::optional<Try> next();
  void backed_off(Clock::duration waited) { waited_ += waited; }

  // A try begins (now, or after its backoff): the router counts it in flight and against rpm.
  void started(const Deployment& deployment, Clock::time_point at = Clock::now());
  // The upstream's first byte arrived: its wait no longer counts as the gateway's overhead.
  void answered();
  // The try failed (counted on the router and in metrics); true when another try may follow: the
  // failure is retryable and nothing reached the client.
  bool failed(const Deployment& deployment, const UpstreamError& error, bool sent_anything);
  // The try succeeded with these tokens, or its client left (which is no fault of the upstream's):
  // router latency and tpm, token metrics, the key's spend.
  void succeeded(const Deployment& deployment, int64_t prompt_tokens, int64_t completion_tokens);

  // The failure the client gets when no try is left: the last one, or 429 when nothing was available.
  UpstreamError final_error() const;
  // The OpenAI error answer for `error`, with the overhead header and Retry-After where it applies.
  http::Response error_answer(const UpstreamError& error);
  // x-gateway-overhead-ms's value now (and the overhead the request metric gets).
  std::string overhead_header();
  // Records the request with the status the client got (499: it left).
  void finish(int status);

  // Spend is counted for streams too: the upstream is asked for usage even when the client did
  // not ask (body_for), and then this says whether a chunk is that usage-only chunk, which the
  // client does not get.
  bool withholds(const boost::json::object& chunk) const;
  // The OpenAI body sent for a try on `deployment` (before the provider's own rewriting).
  boost::json::object body_for(const Deployment& deployment) const;
  // The text of an OpenAI-format try on `deployment`, with `upstream_model` as its model (empty:
  // none): body_for() rewritten by providers::openai_body, or the client's own text when that would
  // change nothing (the usual case, and far cheaper than copying and serializing the body).
  std::string openai_text_for(const Deployment& deployment, const std::string& upstream_model) const;
  // The model string sent to `deployment` and shown in its answers: its own, or for a wildcard
  // deployment ("openai/*") the requested name put in place of the star.
  std::string model_for(const Deployment& deployment) const;
  // The timeout of a try on `deployment`.
  std::chrono::milliseconds timeout_for(const Deployment& deployment) const;

 private:
  const CallServices& services_;
  const ProxyRequest& request_;
  const Clock::time_point received_;
  const bool usage_for_us_;
  const std::string metrics_label_;  // the group's model_name (a wildcard group's pattern), not the name asked
  std::optional<KeyGrant> grant_;
  std::vector<std::string> groups_;  // the model group, then its fallbacks
  size_t group_ = 0;
  int retry_ = 0;  // tries made in the current group
  std::vector<std::string> tried_;  // in the current group
  int tries_ = 0;
  std::optional<UpstreamError> last_;
  Clock::time_point try_started_{};
  bool answered_ = false;   // the current try's first byte came
  Clock::duration waited_{0};  // on upstreams (failed tries whole, the last until its first byte) and backoff
  double overhead_ms_ = 0;
};

// The token counts an answer or a stream chunk reports in its "usage", if it has one (the counts
// are left as they are otherwise).
void read_usage(const boost::json::object& answer, int64_t& prompt_tokens, int64_t& completion_tokens);

// A number of milliseconds as x-gateway-overhead-ms gives it ("0.123").
std::string milliseconds_text(double ms);

}  // namespace gatehouse::gateway
