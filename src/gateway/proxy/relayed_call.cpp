#include "gateway/proxy/relayed_call.h"

#include <arpa/inet.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "api/error_envelope.h"
#include "api/sse.h"
#include "base/json.h"
#include "gateway/providers/route.h"
#include "gateway/providers/upstream.h"
#include "gateway/proxy/call_ledger.h"
#include "gateway/router/router.h"
#include "http/client.h"
#include "http/header_text.h"
#include "http/sse_reader.h"

namespace gatehouse::gateway {
namespace {

namespace bj = boost::json;

// The stack memory an upstream answer or stream chunk is parsed into (more comes from the heap):
// values that live for one call need neither allocations nor the walk that frees them.
constexpr size_t kArenaBytes = 4096;

bool is_ip_literal(const std::string& host) {
  unsigned char address[16];
  return ::inet_pton(AF_INET, host.c_str(), address) == 1 || ::inet_pton(AF_INET6, host.c_str(), address) == 1;
}

// "http://<IP literal or localhost>[:port]/path" as an upstream and a path; nullopt otherwise.
std::optional<RelayRoute> plain_http_route(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return std::nullopt;
  const size_t slash = url.find('/', kScheme.size());
  const std::string authority = url.substr(kScheme.size(), slash == std::string::npos ? std::string::npos : slash - kScheme.size());
  RelayRoute route;
  route.url = url;
  route.path = slash == std::string::npos ? "/" : url.substr(slash);
  std::string host = authority;
  std::string_view port = "80";
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      port = std::string_view(authority).substr(close + 2);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = std::string_view(authority).substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  if (!is_ip_literal(host) || route.path.find('?') != std::string::npos) return std::nullopt;
  uint16_t number = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc() || end != port.data() + port.size() || number == 0) return std::nullopt;
  route.upstream = http::Upstream{.host = host, .port = number};
  return route;
}

std::optional<RelayRoute> relay_route(const Deployment& deployment, Endpoint endpoint) {
  // A wildcard deployment ("openai/*") names its upstream model per request: the worker path.
  if (deployment.model.find('*') != std::string::npos) return std::nullopt;
  providers::Route route;
  try {
    route = providers::resolve_route(deployment.model, deployment.api_base, endpoint);
  } catch (const Error&) {
    return std::nullopt;  // the worker path reports it, per call
  }
  if (route.protocol != providers::Protocol::openai) return std::nullopt;
  std::optional<RelayRoute> relay = plain_http_route(route.url);
  if (!relay) return std::nullopt;
  relay->upstream_model = route.upstream_model;
  relay->key = providers::resolve_key(route, deployment.api_key, deployment.secret_key);
  relay->hugging_face = route.hugging_face;
  return relay;
}

// One call on the fast path: the ledger, and the state of the stream being relayed.
class RelayedCall : public std::enable_shared_from_this<RelayedCall> {
 public:
  RelayedCall(const CallServices& services, const RelayRoutes& routes, ProxyRequest request, Clock::time_point received,
              std::atomic<int64_t>& in_flight)
      : services_(services), routes_(routes), request_(std::move(request)), ledger_(services, request_, received), in_flight_(in_flight) {
    in_flight_.fetch_add(1, std::memory_order_relaxed);
  }
  ~RelayedCall() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

  http::Response start(const std::optional<SecretString>& virtual_key) {
    try {
      ledger_.admit(virtual_key);
    } catch (const UpstreamError& error) {
      return answer_error(error);
    }
    http::ProxyVerdict first = next_try();
    if (first.answer) return std::move(*first.answer);
    http::Response response;
    response.proxy = std::move(first.next);
    return response;
  }

 private:
  // The next deployment's target (kind retry), or the final error (kind answer).
  http::ProxyVerdict next_try() {
    http::ProxyVerdict verdict;
    const std::optional<CallLedger::Try> next = ledger_.next();
    if (!next) {
      verdict.kind = http::ProxyVerdict::Kind::answer;
      verdict.answer = answer_error(ledger_.final_error());
      return verdict;
    }
    const Deployment& deployment = *next->deployment;
    const RelayRoute& route = *routes_.find(deployment, request_.endpoint);
    verdict.kind = http::ProxyVerdict::Kind::retry;
    verdict.delay = std::chrono::ceil<std::chrono::milliseconds>(next->backoff);
    ledger_.backed_off(next->backoff);
    ledger_.started(deployment, Clock::now() + next->backoff);

    http::ProxyTarget target;
    target.upstream = route.upstream;
    target.target = route.path;
    target.pass_request_headers = false;
    target.extra_headers = {{"host", route.upstream.host + ":" + std::to_string(route.upstream.port)},
                            {"content-type", "application/json"}};
    if (route.key) target.extra_headers.emplace_back("authorization", "Bearer " + route.key->reveal());
    target.body = ledger_.openai_text_for(deployment, route.upstream_model);
    target.response_timeout = ledger_.timeout_for(deployment);
    const bool stream = request_.stream;
    target.whole_body_for = [stream](int status) { return !stream || status / 100 != 2; };
    target.max_whole_body = providers::kMaxAnswerBytes;
    auto self = shared_from_this();
    target.on_answer = [self, &deployment, &route](http::ProxyAnswer answer) { return self->on_answer(deployment, route, std::move(answer)); };
    target.on_done = [self, &deployment](http::ProxyOutcome outcome) { self->on_done(deployment, outcome); };
    verdict.next = std::make_shared<const http::ProxyTarget>(std::move(target));
    return verdict;
  }

  // An answer or stream chunk with `model` set as the client sees it: spliced into `text`, or where
  // the splice declines, set on `parsed` (the same object, parsed) and serialized.
  std::string with_model(std::string_view text, bj::object& parsed) const {
    if (std::optional<std::string> spliced = json::replace_member(text, "model", model_json_)) return std::move(*spliced);
    parsed["model"] = model_;
    return json::serialize(parsed);
  }

  http::ProxyVerdict on_answer(const Deployment& deployment, const RelayRoute& route, http::ProxyAnswer answer) {
    if (answer.outcome != http::ProxyOutcome::completed) {
      const std::string url = http::redact_url(route.url);
      providers::scrub(answer.detail, route.key);
      return failed(deployment, answer.outcome == http::ProxyOutcome::timed_out
                                    ? UpstreamError(408, url + " did not answer in time: " + answer.detail)
                                    : UpstreamError(500, "APIConnectionError: cannot reach " + url + ": " + answer.detail));
    }
    if (answer.status / 100 != 2) {
      std::string body = answer.body.value_or("");
      providers::scrub(body, route.key);
      std::optional<std::chrono::seconds> retry_after;
      for (const auto& [name, value] : answer.headers) {
        if (http::iequals(name, "retry-after")) retry_after = providers::parse_retry_after(value);
      }
      return failed(deployment, providers::status_error(answer.status, body, route.url, route.hugging_face, retry_after));
    }
    ledger_.answered();
    model_ = ledger_.model_for(deployment);
    model_json_ = bj::serialize(bj::string_view(model_));
    http::ProxyVerdict verdict;
    if (!request_.stream) {
      unsigned char arena[kArenaBytes];
      bj::monotonic_resource memory(arena);
      bj::value parsed(&memory);  // the same memory as the parse's, or the assignment copies
      try {
        parsed = json::parse(*answer.body, "the answer", &memory);
      } catch (const Error& error) {
        return failed(deployment, providers::malformed_answer(route.url, error.what()));
      }
      bj::object* object = parsed.if_object();
      const bj::value* choices = object ? object->if_contains("choices") : nullptr;
      if (choices == nullptr || !choices->is_array()) return failed(deployment, providers::malformed_answer(route.url, "it has no choices"));
      read_usage(*object, prompt_tokens_, completion_tokens_);
      verdict.kind = http::ProxyVerdict::Kind::answer;
      verdict.answer = http::Response::json(200, with_model(*answer.body, *object));
      verdict.answer->set_header("x-gateway-overhead-ms", ledger_.overhead_header());
      ledger_.succeeded(deployment, prompt_tokens_, completion_tokens_);
      finish(200);
      return verdict;
    }
    verdict.headers = {{"content-type", "text/event-stream"},
                       {"cache-control", "no-cache"},
                       {"x-gateway-overhead-ms", ledger_.overhead_header()}};
    auto self = shared_from_this();
    verdict.filter = [self, &route](std::string_view bytes, http::BodyEnd end) { return self->filter(route, bytes, end); };
    return verdict;
  }

  // A try failed before anything reached the client: the next one, or the error answer.
  http::ProxyVerdict failed(const Deployment& deployment, const UpstreamError& error) {
    if (ledger_.failed(deployment, error, false) && !services_.stopping.load(std::memory_order_relaxed)) return next_try();
    http::ProxyVerdict verdict;
    verdict.kind = http::ProxyVerdict::Kind::answer;
    verdict.answer = answer_error(error);
    return verdict;
  }

  // The stream's events as the client gets them; an upstream error ends it with an error event.
  std::string filter(const RelayRoute& route, std::string_view bytes, http::BodyEnd end) {
    std::string out;
    if (error_) return out;  // the client has its error event; the rest is dropped
    try {
      reader_.feed(bytes, [&](const http::SseEvent& event) { pass_event(route, event, out); });
      if (end == http::BodyEnd::complete) {
        if (!done_ && !finished_) throw providers::malformed_answer(route.url, "the stream ended before its last chunk");
        out += api::kSseDone;
      } else if (end == http::BodyEnd::failed) {
        throw UpstreamError(500, "APIConnectionError: the stream of " + http::redact_url(route.url) + " broke off");
      }
    } catch (const UpstreamError& error) {
      error_ = error;
    } catch (const Error& error) {
      error_ = providers::malformed_answer(route.url, error.what());
    }
    if (error_) out += api::sse_event(api::openai_error_json(error_->status(), error_->what()));
    return out;
  }

  void pass_event(const RelayRoute& route, const http::SseEvent& event, std::string& out) {
    if (event.is_done()) {
      done_ = true;
      return;
    }
    if (done_) throw providers::malformed_answer(route.url, "the stream went on after [DONE]");
    unsigned char arena[kArenaBytes];
    bj::monotonic_resource memory(arena);
    bj::value parsed = json::parse(event.data, "a stream chunk", &memory);
    bj::object* chunk = parsed.if_object();
    if (chunk == nullptr) throw providers::malformed_answer(route.url, "a stream chunk is not a JSON object");
    if (const bj::value* error = chunk->if_contains("error"); error && !error->is_null()) {
      const bj::object* inner = error->if_object();
      const bj::value* code = inner ? inner->if_contains("code") : nullptr;
      const int status = code && code->is_int64() && code->get_int64() >= 400 && code->get_int64() < 600 ? int(code->get_int64()) : 500;
      std::string body = event.data;
      providers::scrub(body, route.key);
      throw providers::status_error(status, body, route.url, route.hugging_face);
    }
    const bj::value* choices = chunk->if_contains("choices");
    if (choices && choices->is_array()) {
      for (const bj::value& choice : choices->get_array()) {
        const bj::object* object = choice.if_object();
        const bj::value* reason = object ? object->if_contains("finish_reason") : nullptr;
        if (reason && reason->is_string()) finished_ = true;
      }
    }
    read_usage(*chunk, prompt_tokens_, completion_tokens_);
    if (ledger_.withholds(*chunk)) return;
    out += api::sse_event(with_model(event.data, *chunk));
  }

  void on_done(const Deployment& deployment, http::ProxyOutcome outcome) {
    if (finished_call_) return;  // answered when judged
    if (outcome == http::ProxyOutcome::client_gone) {
      ledger_.succeeded(deployment, prompt_tokens_, completion_tokens_);  // no fault of the upstream's
      return finish(499);
    }
    if (error_) {
      ledger_.failed(deployment, *error_, true);
      return finish(error_->status());
    }
    ledger_.succeeded(deployment, prompt_tokens_, completion_tokens_);
    finish(200);
  }

  http::Response answer_error(const UpstreamError& error) {
    http::Response response = ledger_.error_answer(error);
    finish(error.status());
    return response;
  }

  void finish(int status) {
    finished_call_ = true;
    ledger_.finish(status);
  }

  const CallServices& services_;
  const RelayRoutes& routes_;
  const ProxyRequest request_;
  CallLedger ledger_;
  std::atomic<int64_t>& in_flight_;
  http::SseReader reader_;
  bool done_ = false, finished_ = false;  // [DONE] came; a choice said why it ended
  std::optional<UpstreamError> error_;    // the stream's, once its client was told
  int64_t prompt_tokens_ = 0, completion_tokens_ = 0;
  std::string model_, model_json_;  // the answering deployment's `model` as the client sees it, and as JSON
  bool finished_call_ = false;  // the request is recorded
};

}  // namespace

RelayRoutes::RelayRoutes(const std::vector<Deployment>& deployments, const Router& router) {
  for (const Deployment& deployment : deployments) {
    routes_[deployment.id] = {relay_route(deployment, Endpoint::chat), relay_route(deployment, Endpoint::text)};
  }
  for (const std::string& model_name : router.model_names()) {
    std::vector<std::string> groups = router.fallbacks(model_name);
    groups.push_back(model_name);
    std::array<bool, 2> covered{true, true};
    for (const Deployment& deployment : deployments) {
      if (std::find(groups.begin(), groups.end(), deployment.model_name) == groups.end()) continue;
      for (size_t endpoint = 0; endpoint < 2; ++endpoint) covered[endpoint] = covered[endpoint] && routes_[deployment.id][endpoint];
    }
    covered_[model_name] = covered;
  }
}

const RelayRoute* RelayRoutes::find(const Deployment& deployment, Endpoint endpoint) const {
  const auto found = routes_.find(deployment.id);
  if (found == routes_.end()) return nullptr;
  const std::optional<RelayRoute>& route = found->second[endpoint == Endpoint::chat ? 0 : 1];
  return route ? &*route : nullptr;
}

bool RelayRoutes::covers(std::string_view model_name, Endpoint endpoint) const {
  const auto found = covered_.find(model_name);
  return found != covered_.end() && found->second[endpoint == Endpoint::chat ? 0 : 1];
}

http::Response relay_call(const CallServices& services, const RelayRoutes& routes, ProxyRequest request,
                          const std::optional<SecretString>& virtual_key, Clock::time_point received,
                          std::atomic<int64_t>& in_flight) {
  auto call = std::make_shared<RelayedCall>(services, routes, std::move(request), received, in_flight);
  return call->start(virtual_key);
}

}  // namespace gatehouse::gateway
