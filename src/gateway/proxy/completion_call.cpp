#include "gateway/proxy/completion_call.h"

#include <boost/json.hpp>
#include <thread>

#include "api/error_envelope.h"
#include "api/sse.h"
#include "base/json.h"
#include "gateway/completion.h"
#include "gateway/proxy/call_ledger.h"
#include "gateway/router/router.h"
#include "gateway/upstream_error.h"

namespace gatehouse::gateway {
namespace {

namespace bj = boost::json;

}  // namespace

CompletionCall::CompletionCall(const CallServices& services, ProxyRequest request, std::optional<SecretString> virtual_key,
                               Clock::time_point received, std::shared_ptr<http::ResponseStream> stream,
                               std::shared_ptr<std::atomic<bool>> cancelled)
    : services_(services),
      request_(std::move(request)),
      virtual_key_(std::move(virtual_key)),
      stream_(std::move(stream)),
      cancelled_(std::move(cancelled)),
      ledger_(std::make_unique<CallLedger>(services_, request_, received)) {}

CompletionCall::~CompletionCall() = default;

void CompletionCall::run() {
  try {
    ledger_->admit(virtual_key_);
  } catch (const UpstreamError& error) {
    answer_failure(error);
    return;
  }
  while (!cancelled()) {
    const std::optional<CallLedger::Try> next = ledger_->next();
    if (!next) break;
    if (next->backoff.count() > 0) back_off(next->backoff);
    if (cancelled()) break;
    try {
      attempt(*next->deployment);
      ledger_->succeeded(*next->deployment, prompt_tokens_, completion_tokens_);
      ledger_->finish(cancelled() ? 499 : 200);
      return;
    } catch (const UpstreamError& error) {
      if (cancelled()) {
        ledger_->succeeded(*next->deployment, prompt_tokens_, completion_tokens_);
        break;
      }
      if (!ledger_->failed(*next->deployment, error, started_)) {
        answer_failure(error);
        return;
      }
    }
  }
  if (cancelled()) {
    ledger_->finish(499);  // nginx's "client closed request"; nothing is sent
    return;
  }
  answer_failure(ledger_->final_error());
}

void CompletionCall::attempt(const Deployment& deployment) {
  CompletionRequest upstream{.endpoint = request_.endpoint,
                             .body = ledger_->body_for(deployment),
                             .api_base = deployment.api_base,
                             .api_key = deployment.api_key,
                             .secret_key = deployment.secret_key,
                             .timeout = ledger_->timeout_for(deployment),
                             .cancelled = [this] { return cancelled(); }};
  ledger_->started(deployment);
  if (request_.stream) {
    complete_stream(upstream, [&](bj::object chunk) {
      if (!started_) {
        ledger_->answered();
        stream_->set_header("x-gateway-overhead-ms", ledger_->overhead_header());
        started_ = true;
      }
      pass_chunk(chunk);
    });
    if (!started_) {  // an empty stream still ends as one
      ledger_->answered();
      stream_->set_header("x-gateway-overhead-ms", ledger_->overhead_header());
      started_ = true;
    }
    stream_->write(std::string(api::kSseDone));
    stream_->close();
  } else {
    bj::object answer = complete(upstream);
    ledger_->answered();
    read_usage(answer, prompt_tokens_, completion_tokens_);
    http::Response response = http::Response::json(200, json::serialize(answer));
    response.set_header("x-gateway-overhead-ms", ledger_->overhead_header());
    stream_->finish(std::move(response));
  }
}

void CompletionCall::pass_chunk(bj::object& chunk) {
  read_usage(chunk, prompt_tokens_, completion_tokens_);
  if (ledger_->withholds(chunk)) return;
  stream_->write(api::sse_event(json::serialize(chunk)));
}

void CompletionCall::answer_failure(const UpstreamError& error) {
  if (started_) {
    // The client already has a 200 and chunks: the stream ends with an error event.
    stream_->write(api::sse_event(api::openai_error_json(error.status(), error.what())));
    stream_->close();
  } else {
    stream_->finish(ledger_->error_answer(error));
  }
  ledger_->finish(error.status());
}

void CompletionCall::back_off(Clock::duration wait) {
  const Clock::time_point start = Clock::now();
  const Clock::time_point until = start + wait;
  while (!cancelled() && Clock::now() < until) {
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(10)));
  }
  ledger_->backed_off(Clock::now() - start);
}

}  // namespace gatehouse::gateway
