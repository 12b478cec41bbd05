#include "gateway/completion.h"

#include <boost/json.hpp>
#include <charconv>

#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "gateway/providers/route.h"
#include "gateway/providers/tgi_endpoint.h"
#include "gateway/providers/tgi_translation.h"
#include "gateway/providers/upstream.h"

namespace gatehouse::gateway {
namespace bj = boost::json;
using providers::Exchange;
using providers::Protocol;
using providers::Route;

namespace {

std::string model_of(const CompletionRequest& request) {
  const bj::value* model = request.body.if_contains("model");
  if (model == nullptr || !model->is_string() || model->get_string().empty()) {
    throw InvalidParameter("model", "model is required: a provider and a model, such as huggingface/https://<endpoint>");
  }
  return std::string(model->get_string());
}

Exchange exchange_for(const Route& route, const CompletionRequest& request) {
  Exchange exchange;
  exchange.url = route.url;
  exchange.key = providers::resolve_key(route, request.api_key, request.secret_key);
  exchange.deadline = std::chrono::steady_clock::now() + request.timeout;
  exchange.cancelled = request.cancelled;
  exchange.hugging_face = route.hugging_face;
  return exchange;
}

bj::object openai_complete(const Exchange& exchange, const CompletionRequest& request, const std::string& upstream_model,
                           const std::string& model) {
  bj::value answer = providers::call_json(exchange, providers::openai_body(request.body, upstream_model, false));
  bj::object* object = answer.if_object();
  const bj::value* choices = object ? object->if_contains("choices") : nullptr;
  if (choices == nullptr || !choices->is_array()) throw providers::malformed_answer(exchange.url, "it has no choices");
  (*object)["model"] = model;
  return std::move(*object);
}

void openai_stream(const Exchange& exchange, const CompletionRequest& request, const std::string& upstream_model,
                   const std::string& model, const std::function<void(bj::object)>& on_chunk) {
  bool done = false;
  bool finished = false;  // a choice said why it ended
  providers::call_events(exchange, providers::openai_body(request.body, upstream_model, true), [&](const http::SseEvent& event) {
    if (event.is_done()) {
      done = true;
      return;
    }
    if (done) throw providers::malformed_answer(exchange.url, "the stream went on after [DONE]");
    bj::value parsed;
    try {
      parsed = json::parse(event.data, "a stream chunk");
    } catch (const Error& error) {
      throw providers::malformed_answer(exchange.url, error.what());
    }
    bj::object* chunk = parsed.if_object();
    if (chunk == nullptr) throw providers::malformed_answer(exchange.url, "a stream chunk is not a JSON object");
    if (const bj::value* error = chunk->if_contains("error"); error && !error->is_null()) {
      const bj::object* inner = error->if_object();
      const bj::value* code = inner ? inner->if_contains("code") : nullptr;
      const int status = code && code->is_int64() && code->get_int64() >= 400 && code->get_int64() < 600 ? int(code->get_int64()) : 500;
      throw providers::status_error(status, event.data, exchange.url, exchange.hugging_face);
    }
    if (const bj::value* choices = chunk->if_contains("choices"); choices && choices->is_array()) {
      for (const bj::value& choice : choices->get_array()) {
        const bj::object* object = choice.if_object();
        const bj::value* reason = object ? object->if_contains("finish_reason") : nullptr;
        if (reason && reason->is_string()) finished = true;
      }
    }
    (*chunk)["model"] = model;
    on_chunk(std::move(*chunk));
  });
  if (!done && !finished) throw providers::malformed_answer(exchange.url, "the stream ended before its last chunk");
}

// TGI's count of the prompt's tokens in a /generate answer (x-prompt-tokens), when it sent one.
std::optional<std::int64_t> reported_prompt_tokens(const http::ClientResponse& head) {
  const std::string* value = head.header("x-prompt-tokens");
  std::int64_t count = 0;
  if (value == nullptr) return std::nullopt;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), count);
  if (ec != std::errc() || end != value->data() + value->size() || count < 0) return std::nullopt;
  return count;
}

// A request to a TGI endpoint goes to /generate with `inputs`, or, for chat where the model's
// template cannot be had, to the endpoint's own chat route with `chat_model`: the model id /info
// named (servers other than TGI want it), else "tgi" (TGI takes any name).
struct TgiPlan {
  std::optional<std::string> inputs;
  std::string chat_model = "tgi";
};

TgiPlan tgi_plan(const Exchange& exchange, const CompletionRequest& request) {
  if (request.endpoint == Endpoint::text) {
    const bj::value* prompt = request.body.if_contains("prompt");
    if (prompt && prompt->is_array() && prompt->get_array().size() == 1) prompt = &prompt->get_array()[0];
    if (prompt == nullptr || !prompt->is_string()) {
      throw InvalidParameter("prompt", "prompt must be a string (or a list of one string) for TGI's /generate");
    }
    return TgiPlan{std::string(prompt->get_string())};
  }
  std::shared_ptr<const providers::EndpointModel> model = providers::endpoint_model(exchange);
  if (model->has_template()) return TgiPlan{model->render(request.body)};
  return TgiPlan{std::nullopt, model->model_id().empty() ? "tgi" : model->model_id()};
}

// Where TGI reports no prompt token count (TGI before 2.0 in streams), usage says 0.
providers::PromptCounter unreported_prompt(const Exchange& exchange) {
  return [url = exchange.url] {
    GH_LOG(warn) << http::redact_url(url) << " reports no prompt token count; usage.prompt_tokens is 0";
    return std::int64_t(0);
  };
}

// The endpoint's OpenAI-compatible chat route, used when no chat template can be had.
Exchange chat_route(Exchange exchange) {
  exchange.url = providers::openai_route_url(exchange.url, Endpoint::chat);
  return exchange;
}

}  // namespace

bj::object complete(const CompletionRequest& request) {
  const std::string model = model_of(request);
  const Route route = providers::resolve_route(model, request.api_base, request.endpoint);
  Exchange exchange = exchange_for(route, request);
  if (route.protocol == Protocol::openai) return openai_complete(exchange, request, route.upstream_model, model);

  const providers::AnswerShape shape = providers::answer_shape(request.body, request.endpoint);
  const TgiPlan plan = tgi_plan(exchange, request);
  if (!plan.inputs) return openai_complete(chat_route(exchange), request, plan.chat_model, model);
  const bj::object body = providers::tgi_request(request.body, request.endpoint, *plan.inputs, false);
  exchange.url = route.url + "/generate";
  http::ClientResponse head;
  const bj::value answer = providers::call_json(exchange, body, &head);
  return providers::openai_answer(answer, shape, reported_prompt_tokens(head), unreported_prompt(exchange), exchange.url);
}

void complete_stream(const CompletionRequest& request, const std::function<void(bj::object chunk)>& on_chunk) {
  const std::string model = model_of(request);
  const Route route = providers::resolve_route(model, request.api_base, request.endpoint);
  Exchange exchange = exchange_for(route, request);
  if (route.protocol == Protocol::openai) return openai_stream(exchange, request, route.upstream_model, model, on_chunk);

  const providers::AnswerShape shape = providers::answer_shape(request.body, request.endpoint);
  const TgiPlan plan = tgi_plan(exchange, request);
  if (!plan.inputs) return openai_stream(chat_route(exchange), request, plan.chat_model, model, on_chunk);
  const bj::object body = providers::tgi_request(request.body, request.endpoint, *plan.inputs, true);
  exchange.url = route.url + "/generate_stream";
  providers::TgiStreamTranslator translator(shape, exchange.url, unreported_prompt(exchange), on_chunk);
  providers::call_events(exchange, body, [&](const http::SseEvent& event) { translator.on_event(event.data); });
  translator.finish();
}

}  // namespace gatehouse::gateway
