#include "gateway/proxy/request_reader.h"

#include <boost/json.hpp>

#include "api/request_fields.h"
#include "base/error.h"
#include "base/json.h"

namespace gatehouse::gateway {
namespace {

namespace bj = boost::json;

using api::wrong_type;  // "<field>: expected <kind>, got <kind>", as serve words it

// A field that, when present and not null, must be a number (integer: a whole one), read as serve
// reads it (2.0 is an integer, 2.5 is not): the gateway refuses only what its upstreams would.
void check_number(const bj::object& body, const char* field, bool integer) {
  if (!body.contains(field)) return;  // the usual case, without RequestFields' bookkeeping
  api::RequestFields fields(body);
  if (integer) {
    fields.integer(field);
  } else {
    fields.number(field);
  }
}

void check_messages(const bj::object& body) {
  const bj::value* messages = body.if_contains("messages");
  if (!messages) throw InvalidParameter("messages", "messages is required: an array of {\"role\", \"content\"} objects");
  if (!messages->is_array()) wrong_type("messages", "an array of {\"role\", \"content\"} objects", *messages);
  if (messages->get_array().empty()) throw InvalidParameter("messages", "messages must not be empty");
  size_t index = 0;
  for (const bj::value& message : messages->get_array()) {
    const std::string field = "messages[" + std::to_string(index++) + "]";
    if (!message.is_object()) wrong_type(field, "an object with \"role\" and \"content\"", message);
    const bj::value* role = message.get_object().if_contains("role");
    if (!role) throw InvalidParameter(field + ".role", field + ".role is required (\"system\", \"user\", \"assistant\", \"tool\")");
    if (!role->is_string()) wrong_type(field + ".role", "a string", *role);
  }
}

void check_prompt(const bj::object& body) {
  const bj::value* prompt = body.if_contains("prompt");
  if (!prompt) throw InvalidParameter("prompt", "prompt is required: a string or an array of strings");
  if (prompt->is_string()) return;
  if (!prompt->is_array() || prompt->get_array().empty()) {
    wrong_type("prompt", "a string or a non-empty array of strings or token ids", *prompt);
  }
}

}  // namespace

ProxyRequest read_proxy_request(std::string_view text, Endpoint endpoint) {
  bj::value parsed;
  try {
    // The limits and messages every other body gets (512 levels deep, UTF-8 checked).
    parsed = json::parse(text, "the request body");
  } catch (const Error& error) {
    throw InvalidParameter("body", error.what());
  }
  if (!parsed.is_object()) wrong_type("body", "a JSON object", parsed);
  ProxyRequest request;
  request.endpoint = endpoint;
  request.body = std::move(parsed.get_object());
  request.text = text;
  const bj::object& body = request.body;

  const bj::value* model = body.if_contains("model");
  if (!model || model->is_null()) throw InvalidParameter("model", "model is required: one of the names GET /v1/models lists");
  if (!model->is_string()) wrong_type("model", "a string", *model);
  if (model->get_string().empty()) throw InvalidParameter("model", "model must not be empty: one of the names GET /v1/models lists");
  request.model_name = std::string(model->get_string());

  if (endpoint == Endpoint::chat) {
    check_messages(body);
  } else {
    check_prompt(body);
  }
  if (const bj::value* stream = body.if_contains("stream"); stream && !stream->is_null()) {
    if (!stream->is_bool()) wrong_type("stream", "a boolean", *stream);
    request.stream = stream->get_bool();
  }
  if (const bj::value* options = body.if_contains("stream_options"); options && !options->is_null()) {
    if (!options->is_object()) wrong_type("stream_options", "an object", *options);
    if (const bj::value* usage = options->get_object().if_contains("include_usage"); usage && !usage->is_null()) {
      if (!usage->is_bool()) wrong_type("stream_options.include_usage", "a boolean", *usage);
      request.include_usage = usage->get_bool();
    }
  }
  for (const char* field : {"max_tokens", "max_completion_tokens", "n", "seed", "top_logprobs"}) check_number(body, field, true);
  for (const char* field : {"temperature", "top_p", "presence_penalty", "frequency_penalty"}) check_number(body, field, false);
  return request;
}

}  // namespace gatehouse::gateway
