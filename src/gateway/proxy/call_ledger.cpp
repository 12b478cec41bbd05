#include "gateway/proxy/call_ledger.h"

#include <algorithm>
#include <charconv>

#include "api/error_envelope.h"
#include "base/json.h"
#include "gateway/providers/route.h"
#include "gateway/router/model_pattern.h"
#include "gateway/router/router.h"

namespace gatehouse::gateway {
namespace {

namespace bj = boost::json;

constexpr auto kFirstBackoff = std::chrono::milliseconds(25);
constexpr auto kMaxBackoff = std::chrono::seconds(2);
// Without any timeout in the config: LiteLLM's request_timeout.
constexpr auto kNoTimeout = std::chrono::milliseconds(6'000'000);

}  // namespace

void read_usage(const bj::object& answer, int64_t& prompt_tokens, int64_t& completion_tokens) {
  const bj::value* usage = answer.if_contains("usage");
  if (!usage || !usage->is_object()) return;
  auto count = [&](const char* field) {
    const bj::value* value = usage->get_object().if_contains(field);
    return value && value->is_int64() ? value->get_int64() : 0;
  };
  prompt_tokens = count("prompt_tokens");
  completion_tokens = count("completion_tokens");
}

std::string milliseconds_text(double ms) {
  char text[32];
  const auto written = std::to_chars(text, text + sizeof text, std::max(ms, 0.0), std::chars_format::fixed, 3);
  return std::string(text, written.ptr);
}

CallLedger::CallLedger(const CallServices& services, const ProxyRequest& request, Clock::time_point received)
    : services_(services),
      request_(request),
      received_(received),
      usage_for_us_(request.stream && !request.include_usage),
      metrics_label_(services.router.group_name(request.model_name).value_or("")) {
  groups_.push_back(request_.model_name);
  for (std::string& fallback : services_.router.fallbacks(request_.model_name)) groups_.push_back(std::move(fallback));
}

CallLedger::~CallLedger() {
  if (grant_) services_.keys->release(*grant_);
}

void CallLedger::admit(const std::optional<SecretString>& virtual_key) {
  if (virtual_key) grant_ = services_.keys->admit(*virtual_key, request_.model_name);
}

std::optional<CallLedger::Try> CallLedger::next() {
  const int retries = std::max(services_.router.settings().num_retries, 0);
  while (group_ < groups_.size()) {
    const Deployment* deployment = nullptr;
    if (retry_ <= retries) {
      deployment = services_.router.pick(groups_[group_], tried_);
      if (!deployment && !tried_.empty()) {
        // Every deployment of the group was tried once: as LiteLLM, retries go round again (the
        // router still skips those cooling down).
        tried_.clear();
        deployment = services_.router.pick(groups_[group_], tried_);
      }
    }
    if (!deployment) {  // the group is spent, or every deployment cooling down or at its limits
      ++group_;
      retry_ = 0;
      tried_.clear();
      continue;
    }
    ++retry_;
    tried_.push_back(deployment->id);
    Try next{.deployment = deployment, .backoff = Clock::duration(0)};
    if (tries_++ > 0 && last_) {
      auto wait = std::chrono::duration_cast<Clock::duration>(kFirstBackoff * (1 << std::min(tries_ - 2, 10)));
      wait = std::max(wait, std::chrono::duration_cast<Clock::duration>(services_.router.settings().retry_after));
      if (last_->retry_after()) wait = std::max(wait, std::chrono::duration_cast<Clock::duration>(*last_->retry_after()));
      next.backoff = std::min(wait, std::chrono::duration_cast<Clock::duration>(kMaxBackoff));
    }
    return next;
  }
  return std::nullopt;
}

void CallLedger::started(const Deployment& deployment, Clock::time_point at) {
  services_.router.on_start(deployment);
  try_started_ = at;
  answered_ = false;
}

void CallLedger::answered() {
  if (answered_) return;
  answered_ = true;
  waited_ += Clock::now() - try_started_;
}

bool CallLedger::failed(const Deployment& deployment, const UpstreamError& error, bool sent_anything) {
  answered();
  services_.router.on_failure(deployment, error.status());
  services_.metrics.record_upstream_failure(deployment.id, error.status());
  last_ = error;
  return error.retryable() && !sent_anything;
}

void CallLedger::succeeded(const Deployment& deployment, int64_t prompt_tokens, int64_t completion_tokens) {
  services_.router.on_success(deployment, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - try_started_),
                              prompt_tokens + completion_tokens);
  services_.metrics.record_tokens(metrics_label_, prompt_tokens, completion_tokens);
  if (grant_) {
    services_.keys->record_usage(*grant_, request_.model_name, prompt_tokens, completion_tokens,
                                 cost(deployment, prompt_tokens, completion_tokens));
  }
}

UpstreamError CallLedger::final_error() const {
  if (last_) return *last_;
  const auto cooldown = std::chrono::duration_cast<std::chrono::seconds>(services_.router.settings().cooldown_time);
  return UpstreamError(429,
                       "no deployment of model \"" + request_.model_name +
                           "\" is available: all are cooling down after failures or past their rpm/tpm limits; retry shortly",
                       std::max(cooldown, std::chrono::seconds(1)));
}

http::Response CallLedger::error_answer(const UpstreamError& error) {
  http::Response response = api::openai_error_response(error.status(), error.what());
  response.set_header("x-gateway-overhead-ms", overhead_header());
  if ((error.status() == 429 || error.status() == 503) && error.retry_after()) {
    response.set_header("Retry-After", std::to_string(error.retry_after()->count()));
  }
  return response;
}

std::string CallLedger::overhead_header() {
  overhead_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - received_ - waited_).count();
  return milliseconds_text(overhead_ms_);
}

void CallLedger::finish(int status) {
  const double seconds = std::chrono::duration<double>(Clock::now() - received_).count();
  services_.metrics.record_request(metrics_label_, status, seconds, overhead_ms_ / 1000);
}

bool CallLedger::withholds(const bj::object& chunk) const {
  if (!usage_for_us_ || !chunk.contains("usage")) return false;
  const bj::value* choices = chunk.if_contains("choices");
  return !choices || (choices->is_array() && choices->get_array().empty());
}

std::string CallLedger::model_for(const Deployment& deployment) const {
  return upstream_model_for(deployment.model_name, deployment.model, request_.model_name);  // "openai/*" → "openai/<asked>"
}

bj::object CallLedger::body_for(const Deployment& deployment) const {
  bj::object body = request_.body;
  body["model"] = model_for(deployment);
  // The deployment's extra_params fill what the client did not set.
  for (const auto& [field, value] : deployment.extra_params) {
    if (!body.contains(field)) body[field] = value;
  }
  if (usage_for_us_) {
    bj::value& options = body["stream_options"];
    if (!options.is_object()) options = bj::object{};
    options.get_object()["include_usage"] = true;
  }
  return body;
}

std::string CallLedger::openai_text_for(const Deployment& deployment, const std::string& upstream_model) const {
  const bj::object& body = request_.body;
  bool unchanged = !upstream_model.empty() && upstream_model == request_.model_name && !usage_for_us_ &&
                   (request_.stream || (!body.contains("stream") && !body.contains("stream_options")));
  for (const auto& [field, value] : deployment.extra_params) unchanged = unchanged && body.contains(field);
  if (unchanged) return request_.text;
  return json::serialize(providers::openai_body(body_for(deployment), upstream_model, request_.stream));
}

std::chrono::milliseconds CallLedger::timeout_for(const Deployment& deployment) const {
  return (request_.stream ? deployment.stream_timeout : std::nullopt)
      .value_or(deployment.timeout.value_or(services_.router.settings().timeout.value_or(kNoTimeout)));
}

}  // namespace gatehouse::gateway
