// What the gateway learns once about a TGI endpoint and keeps for the life of the process: the
// model it serves (GET /info's model_id) and that model's chat template, fetched through the Hub
// client (HF_ENDPOINT, the cache, the endpoint's key as the Hub token) and rendered by our Jinja
// engine. Where no template can be had (no model_id, the repo unreachable or without a template),
// the endpoint's own chat route is used instead; that choice is logged once per endpoint.
// Entries are keyed by endpoint URL and key (a key without access to a gated repo must not decide
// for one with access). Thread-safe: the first caller for an endpoint fetches, the others wait.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "gateway/completion.h"
#include "gateway/providers/upstream.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer_config.h"

namespace gatehouse::gateway::providers {

class EndpointModel {
 public:
  EndpointModel(std::string model_id, std::optional<tokenizer::TokenizerConfig> config, std::string fallback_reason);

  // The repo the endpoint serves; empty when /info did not name one.
  const std::string& model_id() const { return model_id_; }
  // False: use the endpoint's OpenAI-compatible route; fallback_reason() says why.
  bool has_template() const { return chat_template_.has_value(); }
  const std::string& fallback_reason() const { return fallback_reason_; }

  // The chat request's messages as the model's prompt, with the generation prompt added and the
  // template's own special tokens (so it is sent with add_special_tokens: false).
  // Throws InvalidParameter("messages") for messages of the wrong shape.
  std::string render(const boost::json::object& body) const;

 private:
  std::string model_id_;
  std::optional<tokenizer::ChatTemplate> chat_template_;
  std::string fallback_reason_;
};

// The endpoint's model, learnt on first use. A network failure reaching /info throws (and is not
// remembered); anything else (no /info, no repo, no template) gives an entry without template.
std::shared_ptr<const EndpointModel> endpoint_model(const Exchange& endpoint);

}  // namespace gatehouse::gateway::providers
