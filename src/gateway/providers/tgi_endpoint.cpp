#include "gateway/providers/tgi_endpoint.h"

#include <boost/json.hpp>
#include <map>
#include <mutex>

#include "base/error.h"
#include "base/hash.h"
#include "base/json.h"
#include "base/log.h"
#include "http/client.h"
#include "hub/client.h"
#include "hub/repo_id.h"

namespace gatehouse::gateway::providers {
namespace bj = boost::json;
namespace {

// The Hub is asked once per endpoint; a mirror that does not answer should not hold a request long.
constexpr std::chrono::milliseconds kHubRetryWindow{2000};
// Endpoints (times keys) remembered at most; past it the memory starts again, so callers passing
// ever new keys cannot grow it without bound.
constexpr size_t kMaxEndpoints = 1024;

struct Slot {
  std::mutex mutex;
  std::shared_ptr<const EndpointModel> model;
};

std::mutex cache_mutex;
std::map<std::string, std::shared_ptr<Slot>> cache;

std::string cache_key(const Exchange& endpoint) {
  std::string key = endpoint.url + '\n';
  if (endpoint.key) {
    Hasher hasher(Hasher::sha256);
    hasher.update(endpoint.key->reveal());
    key += hasher.hex_digest();
  }
  return key;
}

// The model's tokenizer_config.json (and chat_template.jinja, which overrides its template)
// through the Hub client, into the huggingface_hub cache.
tokenizer::TokenizerConfig fetch_config(const std::string& model_id, const std::optional<SecretString>& key) {
  const hub::RepoId repo = hub::RepoId::parse(model_id);
  hub::HubClientOptions options = hub::HubClientOptions::from_environment(std::nullopt);
  if (key) options.token = key;
  options.progress = false;
  options.retry_window = kHubRetryWindow;
  hub::HubClient client(options);
  const std::filesystem::path config = client.download_file(repo, "main", "tokenizer_config.json");
  try {
    client.download_file(repo, "main", "chat_template.jinja");
  } catch (const Error& error) {
    if (error.code() != ErrorCode::not_found) throw;
  }
  return tokenizer::TokenizerConfig::load(config.parent_path());
}

std::shared_ptr<const EndpointModel> learn(const Exchange& endpoint) {
  Exchange info = endpoint;
  info.url = endpoint.url + "/info";
  std::string model_id;
  try {
    const bj::value answer = call_json(info, std::nullopt);
    const bj::object* object = answer.if_object();
    const bj::value* id = object ? object->if_contains("model_id") : nullptr;
    if (id && id->is_string()) model_id = std::string(id->get_string());
  } catch (const UpstreamError& error) {
    // No answer, or a transient one (refused, timed out, 5xx): this request fails and the next
    // one asks again. A definite answer (404 from a server without /info, 401) means no model id.
    if (error.retryable() || error.status() == 499) throw;
    return std::make_shared<EndpointModel>("", std::nullopt, std::string("GET /info failed: ") + error.what());
  }
  if (model_id.empty()) return std::make_shared<EndpointModel>("", std::nullopt, "GET /info names no model_id");
  try {
    return std::make_shared<EndpointModel>(model_id, fetch_config(model_id, endpoint.key), "");
  } catch (const Error& error) {
    return std::make_shared<EndpointModel>(model_id, std::nullopt, "the chat template of '" + model_id + "' cannot be had: " + error.what());
  }
}

}  // namespace

EndpointModel::EndpointModel(std::string model_id, std::optional<tokenizer::TokenizerConfig> config, std::string fallback_reason)
    : model_id_(std::move(model_id)), fallback_reason_(std::move(fallback_reason)) {
  if (!config) return;
  try {
    chat_template_.emplace(tokenizer::ChatTemplate::from_config(*config, false));
  } catch (const Error& error) {
    fallback_reason_ = "the chat template of '" + model_id_ + "' cannot be used: " + error.what();
  }
}

std::string EndpointModel::render(const bj::object& body) const {
  GH_CHECK(chat_template_.has_value());
  const bj::value* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array() || messages->get_array().empty()) {
    throw InvalidParameter("messages", "messages must be a non-empty array of messages");
  }
  bj::array rendered;
  for (const bj::value& message : messages->get_array()) {
    if (!message.is_object()) throw InvalidParameter("messages", "each message must be an object with a role and a content");
    bj::object copy = message.get_object();
    // Text parts joined by newlines, as vLLM's "string" content format gives them to templates.
    if (const bj::value* content = copy.if_contains("content"); content && content->is_array()) {
      std::string text;
      for (const bj::value& part : content->get_array()) {
        const bj::object* object = part.if_object();
        const bj::value* part_text = object ? object->if_contains("text") : nullptr;
        if (!part_text || !part_text->is_string()) {
          throw InvalidParameter("messages", "only text content parts ({\"type\": \"text\", \"text\": ...}) can be sent to TGI's /generate");
        }
        text += (text.empty() ? "" : "\n") + std::string(part_text->get_string());
      }
      copy["content"] = text;
    }
    rendered.push_back(std::move(copy));
  }
  bj::object inputs{{"messages", std::move(rendered)}, {"add_generation_prompt", true}};
  return chat_template_->render(inputs);
}

std::shared_ptr<const EndpointModel> endpoint_model(const Exchange& endpoint) {
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard lock(cache_mutex);
    if (cache.size() >= kMaxEndpoints) cache.clear();
    std::shared_ptr<Slot>& entry = cache[cache_key(endpoint)];
    if (!entry) entry = std::make_shared<Slot>();
    slot = entry;
  }
  std::lock_guard lock(slot->mutex);
  if (!slot->model) {
    slot->model = learn(endpoint);
    if (slot->model->has_template()) {
      GH_LOG(info) << http::redact_url(endpoint.url) << " serves " << slot->model->model_id()
                   << ": prompts rendered with its chat template for TGI's /generate";
    } else {
      GH_LOG(warn) << http::redact_url(endpoint.url) << ": using the endpoint's own /v1/chat/completions, because "
                   << slot->model->fallback_reason();
    }
  }
  return slot->model;
}

}  // namespace gatehouse::gateway::providers
