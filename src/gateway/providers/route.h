// Where a provider string sends a request: the upstream's protocol (TGI's native /generate, or an
// OpenAI-compatible route), its URL, the model name it is sent, and where its key comes from.
// Pure functions of the model string, api_base and the environment (HF_ROUTER_URL, HF_API_BASE,
// OPENAI_API_BASE, HOSTED_VLLM_API_BASE, GATEHOUSE_URL); the rules are LiteLLM's, listed in
// docs/gateway_sdk.md. Thread-safe as long as nothing changes the environment.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/secret_string.h"
#include "gateway/completion.h"

namespace gatehouse::gateway::providers {

enum class Protocol {
  tgi_native,  // a TGI endpoint: /info, /generate, /generate_stream
  openai,      // an OpenAI-compatible route: the body passed through, `model` rewritten
};

struct Route {
  Protocol protocol = Protocol::openai;
  std::string provider;  // "huggingface", "openai", "hosted_vllm", "gatehouse": for messages and key rules
  std::string url;       // tgi_native: the endpoint's base URL; openai: the full route URL
  std::string upstream_model;  // the `model` sent to an OpenAI-compatible route; empty: none is sent
  // The environment variables that may hold the key, in order of precedence.
  std::vector<std::string> key_variables;
  bool hugging_face = false;  // HF's message-based error rules; the Hub's token file as a last resort
};

// The route of `model` ("<provider>/<rest>"). Throws InvalidParameter("model") for an unknown
// provider or an incomplete name, and InvalidParameter("api_base") when the provider needs one.
Route resolve_route(std::string_view model, const std::optional<std::string>& api_base, Endpoint endpoint);

// LiteLLM's _build_chat_completion_url, for both routes: trailing '/' removed; ".../v1" gets
// "/chat/completions" ("/completions"); anything not ending in that route gets "/v1/chat/completions".
std::string openai_route_url(std::string_view base, Endpoint endpoint);

// The request as an OpenAI-compatible route gets it: every field passed through, `model` rewritten
// to upstream_model (or left out when that is empty, for a server that answers with its one
// model), `stream` set or removed (with stream_options) as asked.
boost::json::object openai_body(boost::json::object body, const std::string& upstream_model, bool stream);

// The key to send: the explicit one, else the first non-empty variable of the route, else the
// key of a control-plane secret (`secret_key`), else (for Hugging Face) the Hub's token
// (HUGGING_FACE_HUB_TOKEN, the token file). nullopt: send none.
std::optional<SecretString> resolve_key(const Route& route, const std::optional<SecretString>& explicit_key,
                                        const std::optional<SecretString>& secret_key = std::nullopt);

}  // namespace gatehouse::gateway::providers
