#include "gateway/providers/route.h"

#include <cstdlib>

#include "base/error.h"
#include "hub/token.h"

namespace gatehouse::gateway::providers {
namespace {

constexpr std::string_view kDefaultRouter = "https://router.huggingface.co";
constexpr std::string_view kDefaultOpenAiBase = "https://api.openai.com/v1";

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string_view trim_slashes(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

bool is_url(std::string_view text) { return starts_with(text, "http://") || starts_with(text, "https://"); }

[[noreturn]] void bad_model(std::string_view model, const std::string& why) {
  throw InvalidParameter("model", "model '" + std::string(model) + "': " + why);
}

// An api_base given as a parameter wins over the variables, which win over nothing.
std::optional<std::string> base_from(const std::optional<std::string>& api_base, std::initializer_list<const char*> variables) {
  if (api_base && !api_base->empty()) return api_base;
  for (const char* name : variables) {
    if (auto value = environment(name)) return value;
  }
  return std::nullopt;
}

void check_base(std::string_view base) {
  if (!is_url(base)) throw InvalidParameter("api_base", "api_base must be an http:// or https:// URL");
}

Route hugging_face(std::string_view model, std::string_view rest, const std::optional<std::string>& api_base, Endpoint endpoint) {
  Route route;
  route.provider = "huggingface";
  route.hugging_face = true;
  route.key_variables = {"HF_TOKEN", "HUGGINGFACE_API_KEY"};
  if (rest.empty()) bad_model(model, "name an endpoint URL or a Hub model after 'huggingface/'");
  // LiteLLM's precedence: api_base > HF_API_BASE / HUGGINGFACE_API_BASE > the URL as model > the router.
  if (auto base = base_from(api_base, {"HF_API_BASE", "HUGGINGFACE_API_BASE"})) {
    check_base(*base);
    route.url = openai_route_url(*base, endpoint);
    route.upstream_model = std::string(rest);
    return route;
  }
  if (is_url(rest)) {
    route.protocol = Protocol::tgi_native;
    route.url = std::string(trim_slashes(rest));
    return route;
  }
  // The router: "org/model[:policy]" as is; "<provider>/org/model" asks for that provider with
  // the router's ":<provider>" suffix, which maps the Hub id to the provider's own name itself.
  const std::string router = std::string(trim_slashes(environment("HF_ROUTER_URL").value_or(std::string(kDefaultRouter))));
  check_base(router);
  const size_t first = rest.find('/');
  if (first == std::string_view::npos) {
    bad_model(model, "a Hub model is 'huggingface/<org>/<model>'; for a dedicated endpoint give its URL as the model, "
                     "or pass api_base");
  }
  const size_t second = rest.find('/', first + 1);
  if (second == std::string_view::npos) {
    route.upstream_model = std::string(rest);
  } else {
    const std::string_view provider = rest.substr(0, first);
    const std::string_view id = rest.substr(first + 1);
    if (id.find(':') != std::string_view::npos) bad_model(model, "name the provider either as the first segment or as a ':' suffix, not both");
    route.upstream_model = std::string(id) + ":" + std::string(provider);
  }
  if (ends_with(route.upstream_model, ":") || route.upstream_model.find("//") != std::string::npos) {
    bad_model(model, "empty segment in the model name");
  }
  route.url = router + (endpoint == Endpoint::chat ? "/v1/chat/completions" : "/v1/completions");
  return route;
}

}  // namespace

std::string openai_route_url(std::string_view base, Endpoint endpoint) {
  const std::string_view route = endpoint == Endpoint::chat ? "/chat/completions" : "/completions";
  std::string url(trim_slashes(base));
  if (ends_with(url, "/v1")) url += route;
  if (!ends_with(url, route)) url += "/v1" + std::string(route);
  return url;
}

Route resolve_route(std::string_view model, const std::optional<std::string>& api_base, Endpoint endpoint) {
  const size_t slash = model.find('/');
  if (slash == std::string_view::npos) {
    bad_model(model, "name the provider first: huggingface/..., openai/..., hosted_vllm/... or gatehouse/...");
  }
  const std::string_view provider = model.substr(0, slash);
  const std::string_view rest = model.substr(slash + 1);
  if (provider == "huggingface") return hugging_face(model, rest, api_base, endpoint);
  if (rest.empty()) bad_model(model, "the model name after '" + std::string(provider) + "/' is empty");
  Route route;
  route.provider = std::string(provider);
  route.upstream_model = std::string(rest);
  if (provider == "openai") {
    const std::string base = base_from(api_base, {"OPENAI_API_BASE", "OPENAI_BASE_URL"}).value_or(std::string(kDefaultOpenAiBase));
    check_base(base);
    route.url = openai_route_url(base, endpoint);
    route.key_variables = {"OPENAI_API_KEY"};
  } else if (provider == "hosted_vllm") {
    const auto base = base_from(api_base, {"HOSTED_VLLM_API_BASE"});
    if (!base) throw InvalidParameter("api_base", "hosted_vllm/ models need api_base (or HOSTED_VLLM_API_BASE): the vLLM server's URL");
    check_base(*base);
    route.url = openai_route_url(*base, endpoint);
    route.key_variables = {"HOSTED_VLLM_API_KEY"};
  } else if (provider == "gatehouse") {
    const auto base = base_from(api_base, {"GATEHOUSE_URL"});
    if (!base) throw InvalidParameter("api_base", "gatehouse/ models need api_base (or GATEHOUSE_URL): the control plane's URL");
    check_base(*base);
    if (rest.find('/') != std::string_view::npos) bad_model(model, "a deployment name has no '/'");
    route.url = std::string(trim_slashes(*base)) + "/deployments/" + std::string(rest) +
                (endpoint == Endpoint::chat ? "/v1/chat/completions" : "/v1/completions");
    route.key_variables = {"GATEHOUSE_API_KEY"};
    route.upstream_model.clear();  // a deployment serves one model, under its repo's name: let it pick
  } else {
    bad_model(model, "unknown provider '" + std::string(provider) + "'; known: huggingface, openai, hosted_vllm, gatehouse");
  }
  return route;
}

boost::json::object openai_body(boost::json::object body, const std::string& upstream_model, bool stream) {
  if (upstream_model.empty()) {
    body.erase("model");
  } else {
    body["model"] = upstream_model;
  }
  if (stream) {
    body["stream"] = true;
  } else {
    body.erase("stream");
    body.erase("stream_options");
  }
  return body;
}

std::optional<SecretString> resolve_key(const Route& route, const std::optional<SecretString>& explicit_key,
                                        const std::optional<SecretString>& secret_key) {
  if (explicit_key && !explicit_key->empty()) return explicit_key;
  for (const std::string& name : route.key_variables) {
    if (auto value = environment(name.c_str())) return SecretString(std::move(*value));
  }
  if (secret_key && !secret_key->empty()) return secret_key;
  if (route.hugging_face) return hub::resolve_token(std::nullopt);
  return std::nullopt;
}

}  // namespace gatehouse::gateway::providers
