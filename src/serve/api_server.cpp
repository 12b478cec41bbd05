#include "serve/api_server.h"

#include <malloc.h>

#include <boost/json.hpp>

#include "api/error_envelope.h"
#include "api/openai_format.h"
#include "api/request_fields.h"
#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "base/version.h"
#include "http/auth.h"
#include "http/error_status.h"
#include "serve/openai_generation.h"
#include "serve/openai_request.h"
#include "serve/tgi.h"
#include "tokenizer/token_ids.h"

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;

// Bodies at least this large are followed by malloc_trim.
constexpr size_t kLargeBodyBytes = 1 << 20;

bj::object parse_body(const http::Request& request) {
  bj::value body = json::parse(request.body, "request body");
  if (!body.is_object()) throw Error(ErrorCode::invalid_argument, "the request body must be a JSON object");
  return std::move(body.get_object());
}

http::Response empty_response(int status) {
  http::Response response;
  response.status = status;
  return response;
}

bool starts_with(const std::string& text, std::string_view prefix) { return text.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

ApiServer::ApiServer(ServedModel& model, std::vector<SecretString> api_keys) : model_(model), api_keys_(std::move(api_keys)) {}

http::Response ApiServer::handle(const http::Request& request) {
  // Reading and tokenizing a large body leaves many MiB free in the allocator's arenas, which
  // glibc keeps for reuse: hand them back once such a request is done.
  struct TrimAfterLargeBody {
    bool large;
    ~TrimAfterLargeBody() {
      if (large) malloc_trim(0);
    }
  } trim{request.body.size() >= kLargeBodyBytes};
  const bool tgi = request.path == "/generate" || request.path == "/generate_stream" || (request.path == "/" && request.method == "POST");
  try {
    return route(request);
  } catch (const InvalidParameter& error) {
    return tgi ? tgi_error(422, error.what(), "validation") : api::openai_error_response(400, error.what(), error.parameter());
  } catch (const Error& error) {
    const int status = http::status_for(error.code());
    if (status >= 500 && error.code() != ErrorCode::unavailable) {
      GH_LOG(error) << request.method << " " << request.path << ": " << error.what();
    }
    if (tgi) return tgi_error(status == 400 ? 422 : status, error.what(), status == 503 ? "overloaded" : "validation");
    return api::openai_error_response(status, error.what());
  }
}

bool ApiServer::authorized(const http::Request& request) const {
  if (api_keys_.empty()) return true;
  const std::optional<std::string_view> given = http::authorization_credentials(request, {"Bearer"});
  if (!given) return false;
  for (const SecretString& key : api_keys_) {
    if (http::constant_time_equals(*given, key.reveal())) return true;
  }
  return false;
}

http::Response ApiServer::route(const http::Request& request) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  // Every route that reads request text needs the key (tokenizing is work a stranger must not
  // be able to ask for); health, version, info and metrics stay open, as in vLLM.
  const bool keyed_route = starts_with(path, "/v1/") || path == "/generate" || path == "/generate_stream" || path == "/tokenize" ||
                           path == "/detokenize" || (path == "/" && method == "POST");
  if (keyed_route && !authorized(request)) {
    return api::openai_error_response(401, "Invalid or missing API key: send it as \"Authorization: Bearer <key>\"");
  }
  if ((path == "/health" || path == "/ping") && (method == "GET" || method == "HEAD" || (path == "/ping" && method == "POST"))) {
    return empty_response(model_.loop->healthy() ? 200 : 503);
  }
  if (method == "GET" || method == "HEAD") {
    if (path == "/version") return http::Response::json(200, json::serialize(bj::object{{"version", kVersion}}));
    if (path == "/v1/models") return models();
    if (path == "/metrics") {
      return http::Response::with_body(200, model_.metrics->render(), "text/plain; version=0.0.4; charset=utf-8");
    }
    if (path == "/info") return tgi_info(model_);
  }
  if (method == "POST") {
    if (path == "/v1/chat/completions") return generate(request, true);
    if (path == "/v1/completions") return generate(request, false);
    if (path == "/tokenize") return tokenize(request);
    if (path == "/detokenize") return detokenize(request);
    if (path == "/generate" || path == "/generate_stream" || path == "/") {
      bj::object body = parse_body(request);
      const bool stream = path == "/generate_stream" || (path == "/" && body.contains("stream") && body.at("stream") == true);
      return tgi_generate(body, model_, stream, path == "/");
    }
  }
  for (const char* known : {"/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/ping", "/version", "/tokenize",
                            "/detokenize", "/metrics", "/generate", "/generate_stream", "/info"}) {
    if (path == known) {
      return api::openai_error_response(405, "method " + method + " is not allowed on " + path);
    }
  }
  return api::openai_error_response(404, "no route " + method + " " + path + "; see GET /v1/models and docs/serve.md");
}

http::Response ApiServer::generate(const http::Request& request, bool chat) {
  const bj::object body = parse_body(request);
  OpenAiRequest parsed = chat ? parse_chat_request(body, model_) : parse_completion_request(body, model_);
  const bool stream = parsed.stream;
  std::shared_ptr<OpenAiGeneration> generation;
  if (chat) {
    generation = std::make_shared<ChatGeneration>(model_, std::move(parsed));
  } else {
    generation = std::make_shared<CompletionGeneration>(model_, std::move(parsed));
  }
  return generation->start(*model_.loop, stream);
}

http::Response ApiServer::tokenize(const http::Request& request) {
  const bj::object body = parse_body(request);
  api::RequestFields fields(body);
  model_.check_requested(fields.string("model"));
  std::vector<uint32_t> ids;
  if (fields.find("messages")) {
    const bool add_special_tokens = fields.boolean("add_special_tokens").value_or(false);
    ids = model_.encode_prompt(render_chat(api::read_chat_prompt(fields), model_), add_special_tokens, "messages");
  } else {
    std::optional<std::string> prompt = fields.string("prompt");
    if (!prompt) throw InvalidParameter("prompt", "give \"prompt\" (text) or \"messages\" (a chat) to tokenize");
    ids = model_.encode_prompt(*prompt, fields.boolean("add_special_tokens").value_or(true), "prompt");
  }
  bj::object out{{"count", ids.size()}, {"max_model_len", model_.max_model_len}, {"tokens", bj::value_from(ids)}};
  if (fields.boolean("return_token_strs").value_or(false)) {
    bj::array strings;
    for (uint32_t id : ids) strings.push_back(bj::value(model_.tokenizer->id_to_token(id).value_or("")));
    out["token_strs"] = std::move(strings);
  }
  return http::Response::json(200, json::serialize(out));
}

http::Response ApiServer::detokenize(const http::Request& request) {
  const bj::object body = parse_body(request);
  api::RequestFields fields(body);
  model_.check_requested(fields.string("model"));
  const bj::value* tokens = fields.find("tokens");
  if (!tokens) throw InvalidParameter("tokens", "tokens is required: an array of token ids");
  const std::vector<uint32_t> ids = tokenizer::token_ids_from_json(*tokens, "tokens", model_.tokenizer->vocab_size());
  return http::Response::json(200, json::serialize(bj::object{{"prompt", model_.tokenizer->decode(ids, false)}}));
}

http::Response ApiServer::models() const {
  static const int64_t created = api::unix_time();
  bj::array data;
  for (const std::string& name : model_.names) {
    data.push_back(bj::object{{"id", name},
                              {"object", "model"},
                              {"created", created},
                              {"owned_by", "gatehouse"},
                              {"root", model_.root},
                              {"parent", nullptr},
                              {"max_model_len", model_.max_model_len},
                              {"permission", bj::array{}}});
  }
  return http::Response::json(200, json::serialize(bj::object{{"object", "list"}, {"data", std::move(data)}}));
}

}  // namespace gatehouse::serve
