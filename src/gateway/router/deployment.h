// One upstream the gateway can send a model's requests to: a `model_list` entry of the config,
// with its environment references resolved. Several deployments share a model_name (the name
// clients use) and the router balances between them. Plain value; the Router owns its copies and
// hands out pointers that stay valid for its lifetime.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "base/secret_string.h"

namespace gatehouse::gateway {

struct Deployment {
  std::string id;          // model_info.id, else "<model_name>/<index in model_list>"
  std::string model_name;  // the name clients use
  std::string model;       // litellm_params.model, e.g. "huggingface/tgi", "openai/gpt-4o"
  std::optional<std::string> api_base;
  std::optional<SecretString> api_key;
  // The value of the control-plane secret litellm_params.api_key_secret names: the key sent when
  // neither api_key nor the provider's environment has one.
  std::optional<SecretString> secret_key;
  std::optional<int64_t> rpm, tpm;  // this deployment's limits per minute
  std::optional<std::chrono::milliseconds> timeout, stream_timeout;
  std::optional<int> max_retries;
  double weight = 1;  // simple-shuffle weight: litellm_params.weight, else rpm, else tpm, else 1
  double input_cost_per_token = 0, output_cost_per_token = 0;  // litellm_params, else model_info
  boost::json::object extra_params;  // the other litellm_params (temperature, ...): request defaults
  boost::json::object model_info;    // model_info as written (id, mode, base_model, ...)
};

// What a request cost in dollars, from the deployment's prices per token.
double cost(const Deployment& deployment, int64_t prompt_tokens, int64_t completion_tokens);

}  // namespace gatehouse::gateway
