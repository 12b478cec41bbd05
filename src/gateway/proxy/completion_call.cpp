#include "gateway/proxy/completion_call.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <thread>
#include <vector>

#include "api/error_envelope.h"
#include "api/sse.h"
#include "base/json.h"
#include "base/log.h"
#include "gateway/completion.h"
#include "gateway/keys/key_store.h"
#include "gateway/router/model_pattern.h"
#include "gateway/router/router.h"
#include "gateway/upstream_error.h"
#include "http/error_status.h"

namespace gatehouse::gateway {
namespace {

namespace bj = boost::json;

constexpr auto kFirstBackoff = std::chrono::milliseconds(25);
constexpr auto kMaxBackoff = std::chrono::seconds(2);
// Without any timeout in the config: LiteLLM's request_timeout.
constexpr auto kNoTimeout = std::chrono::milliseconds(6'000'000);

std::string milliseconds_text(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", std::max(ms, 0.0));
  return text;
}

int64_t usage_field(const bj::object& usage, const char* field) {
  const bj::value* value = usage.if_contains(field);
  return value && value->is_int64() ? value->get_int64() : 0;
}

}  // namespace

CompletionCall::CompletionCall(const CallServices& services, ProxyRequest request, std::optional<SecretString> virtual_key,
                               Clock::time_point received, std::shared_ptr<http::ResponseStream> stream,
                               std::shared_ptr<std::atomic<bool>> cancelled)
    : services_(services),
      request_(std::move(request)),
      virtual_key_(std::move(virtual_key)),
      received_(received),
      stream_(std::move(stream)),
      cancelled_(std::move(cancelled)) {
  // Spend is counted for streams too: ask the upstream for usage, and keep its usage chunk from
  // a client that did not ask for it.
  usage_requested_for_us_ = request_.stream && !request_.include_usage;
}

void CompletionCall::run() {
  std::optional<KeyGrant> grant;
  if (virtual_key_) {
    try {
      grant = services_.keys->admit(*virtual_key_, request_.model_name);
    } catch (const UpstreamError& error) {
      answer_failure(error);
      return;
    }
  }
  struct Release {
    KeyStore* keys;
    const std::optional<KeyGrant>& grant;
    ~Release() {
      if (grant) keys->release(*grant);
    }
  } release{services_.keys, grant};

  std::vector<std::string> groups{request_.model_name};
  for (std::string& fallback : services_.router.fallbacks(request_.model_name)) groups.push_back(std::move(fallback));
  const int retries = std::max(services_.router.settings().num_retries, 0);
  std::optional<UpstreamError> last;
  int tries = 0;
  for (const std::string& group : groups) {
    std::vector<std::string> tried;
    for (int retry = 0; retry <= retries && !cancelled(); ++retry) {
      const Deployment* deployment = services_.router.pick(group, tried);
      if (!deployment && !tried.empty()) {
        // Every deployment of the group was tried once: as LiteLLM, retries go round again (the
        // router still skips those cooling down).
        tried.clear();
        deployment = services_.router.pick(group, tried);
      }
      if (!deployment) break;  // every deployment of the group cooling down or at its limits
      tried.push_back(deployment->id);
      if (tries++ > 0 && last) back_off(tries - 1, *last);
      if (cancelled()) break;
      try {
        attempt(*deployment);
        if (grant) {
          services_.keys->record_usage(*grant, request_.model_name, prompt_tokens_, completion_tokens_,
                                       cost(*deployment, prompt_tokens_, completion_tokens_));
        }
        return;
      } catch (const UpstreamError& error) {
        if (started_ || !error.retryable()) {
          answer_failure(error);
          return;
        }
        last = error;
      }
    }
  }
  if (cancelled()) {
    finish_metrics(499);  // nginx's "client closed request"; nothing is sent
    return;
  }
  if (last) {
    answer_failure(*last);
  } else {
    const auto cooldown = std::chrono::duration_cast<std::chrono::seconds>(services_.router.settings().cooldown_time);
    answer_error(429,
                 "no deployment of model \"" + request_.model_name +
                     "\" is available: all are cooling down after failures or past their rpm/tpm limits; retry shortly",
                 std::max(cooldown, std::chrono::seconds(1)));
  }
}

void CompletionCall::attempt(const Deployment& deployment) {
  const RouterSettings& settings = services_.router.settings();
  CompletionRequest upstream{.endpoint = request_.endpoint,
                             .body = upstream_body(deployment),
                             .api_base = deployment.api_base,
                             .api_key = deployment.api_key,
                             .secret_key = deployment.secret_key,
                             .timeout = (request_.stream ? deployment.stream_timeout : std::nullopt)
                                            .value_or(deployment.timeout.value_or(settings.timeout.value_or(kNoTimeout))),
                             .cancelled = [this] { return cancelled(); }};
  services_.router.on_start(deployment);
  const Clock::time_point start = Clock::now();
  try {
    if (request_.stream) {
      complete_stream(upstream, [&](bj::object chunk) {
        if (!started_) {
          const Clock::time_point now = Clock::now();
          waited_ += now - start;  // the upstream's time to its first byte
          overhead_ms_ = overhead_ms(now);
          stream_->set_header("x-gateway-overhead-ms", milliseconds_text(overhead_ms_));
          started_ = true;
        }
        pass_chunk(chunk);
      });
      if (!started_) {  // an empty stream still ends as one
        waited_ += Clock::now() - start;
        overhead_ms_ = overhead_ms(Clock::now());
        stream_->set_header("x-gateway-overhead-ms", milliseconds_text(overhead_ms_));
        started_ = true;
      }
      stream_->write(std::string(api::kSseDone));
      stream_->close();
    } else {
      bj::object answer = complete(upstream);
      const Clock::time_point now = Clock::now();
      waited_ += now - start;
      if (const bj::value* usage = answer.if_contains("usage"); usage && usage->is_object()) {
        prompt_tokens_ = usage_field(usage->get_object(), "prompt_tokens");
        completion_tokens_ = usage_field(usage->get_object(), "completion_tokens");
      }
      overhead_ms_ = overhead_ms(now);
      http::Response response = http::Response::json(200, json::serialize(answer));
      response.set_header("x-gateway-overhead-ms", milliseconds_text(overhead_ms_));
      stream_->finish(std::move(response));
    }
  } catch (const UpstreamError& error) {
    if (!started_) waited_ += Clock::now() - start;
    if (!cancelled()) {  // a client leaving is no fault of the upstream's
      services_.router.on_failure(deployment, error.status());
      services_.metrics.record_upstream_failure(deployment.id, error.status());
      throw;
    }
  }
  services_.router.on_success(deployment, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start),
                              prompt_tokens_ + completion_tokens_);
  services_.metrics.record_tokens(request_.model_name, prompt_tokens_, completion_tokens_);
  finish_metrics(cancelled() ? 499 : 200);
}

bj::object CompletionCall::upstream_body(const Deployment& deployment) const {
  bj::object body = request_.body;
  body["model"] = upstream_model_for(deployment.model_name, deployment.model, request_.model_name);  // "openai/*" → "openai/<asked>"
  // The deployment's extra_params fill what the client did not set.
  for (const auto& [field, value] : deployment.extra_params) {
    if (!body.contains(field)) body[field] = value;
  }
  if (usage_requested_for_us_) {
    bj::value& options = body["stream_options"];
    if (!options.is_object()) options = bj::object{};
    options.get_object()["include_usage"] = true;
  }
  return body;
}

void CompletionCall::pass_chunk(bj::object& chunk) {
  const bj::value* usage = chunk.if_contains("usage");
  if (usage && usage->is_object()) {
    prompt_tokens_ = usage_field(usage->get_object(), "prompt_tokens");
    completion_tokens_ = usage_field(usage->get_object(), "completion_tokens");
    const bj::value* choices = chunk.if_contains("choices");
    const bool usage_only = !choices || (choices->is_array() && choices->get_array().empty());
    if (usage_requested_for_us_ && usage_only) return;
  }
  stream_->write(api::sse_event(json::serialize(chunk)));
}

void CompletionCall::answer_failure(const UpstreamError& error) {
  answer_error(error.status(), error.what(), error.status() == 429 || error.status() == 503 ? error.retry_after() : std::nullopt);
}

void CompletionCall::answer_error(int status, const std::string& message, std::optional<std::chrono::seconds> retry_after) {
  if (started_) {
    // The client already has a 200 and chunks: the stream ends with an error event.
    stream_->write(api::sse_event(api::openai_error_json(status, message)));
    stream_->close();
  } else {
    overhead_ms_ = overhead_ms(Clock::now());
    http::Response response = api::openai_error_response(status, message);
    response.set_header("x-gateway-overhead-ms", milliseconds_text(overhead_ms_));
    if (retry_after) response.set_header("Retry-After", std::to_string(retry_after->count()));
    stream_->finish(std::move(response));
  }
  finish_metrics(status);
}

void CompletionCall::back_off(int retry, const UpstreamError& last) {
  auto wait = std::chrono::duration_cast<Clock::duration>(kFirstBackoff * (1 << std::min(retry - 1, 10)));
  wait = std::max(wait, std::chrono::duration_cast<Clock::duration>(services_.router.settings().retry_after));
  if (last.retry_after()) wait = std::max(wait, std::chrono::duration_cast<Clock::duration>(*last.retry_after()));
  wait = std::min(wait, std::chrono::duration_cast<Clock::duration>(kMaxBackoff));
  const Clock::time_point start = Clock::now();
  const Clock::time_point until = start + wait;
  while (!cancelled() && Clock::now() < until) {
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(10)));
  }
  waited_ += Clock::now() - start;
}

double CompletionCall::overhead_ms(Clock::time_point until) const {
  return std::chrono::duration<double, std::milli>(until - received_ - waited_).count();
}

void CompletionCall::finish_metrics(int status) {
  const double seconds = std::chrono::duration<double>(Clock::now() - received_).count();
  services_.metrics.record_request(request_.model_name, status, seconds, overhead_ms_ / 1000);
}

}  // namespace gatehouse::gateway
