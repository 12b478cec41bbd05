// The gateway's configuration, read from a LiteLLM proxy config.yaml: model_list (the
// deployments), router_settings (and the litellm_settings LiteLLM reads for the router),
// general_settings.master_key (else LITELLM_MASTER_KEY) and environment_variables. `os.environ/NAME`
// values are resolved at load, and so are the control-plane secrets `litellm_params.api_key_secret`
// names, through a SecretLookup the caller provides (the gateway does not depend on the control
// plane). Settings LiteLLM has and the gateway does not implement are collected by name in
// ignored_settings for the server to report; they never make a config fail. Plain value.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/secret_string.h"
#include "gateway/router/deployment.h"
#include "gateway/router/router_settings.h"

namespace gatehouse::gateway {

// Reads one control-plane secret for `litellm_params.api_key_secret: <name>[/<data key>]`: the value
// of `data_key` in the secret `name`, or of its only key when data_key is empty. nullopt when no
// secret has that name. Throws Error when the secret cannot be used (no such key, several keys and
// none named, the store unreadable), with a message naming the secret and its keys, never a value.
using SecretLookup = std::function<std::optional<SecretString>(const std::string& name, const std::string& data_key)>;

struct GatewayConfig {
  std::string file;                     // the file it was read from, for messages
  std::vector<Deployment> deployments;  // model_list, in order
  RouterSettings router;
  // general_settings.master_key, else the LITELLM_MASTER_KEY variable; starts with "sk-"
  std::optional<SecretString> master_key;
  // "litellm_settings.success_callback", "router_settings.redis_host", "general_settings.database_url", ...
  std::vector<std::string> ignored_settings;
  // environment_variables, in order; load_gateway_config sets them in the process environment.
  std::vector<std::pair<std::string, SecretString>> environment_variables;
};

// Reads and checks the config file at `path`, sets its environment_variables in the process
// environment (overwriting, as LiteLLM does), and resolves os.environ/ references. Throws
// invalid_argument naming the file, the line and the key path, e.g.
// `gateway.yaml:7: model_list[1].litellm_params.rpm: expected an integer, got "ten"`.
// `secrets` reads the secrets api_key_secret names; without one, a config naming a secret fails.
// Messages never hold a secret's value.
GatewayConfig load_gateway_config(const std::string& path, const SecretLookup& secrets = {});

// The same from text, without touching the process environment: os.environ/NAME (and
// LITELLM_MASTER_KEY) reads the config's own environment_variables first, then the process
// environment.
GatewayConfig parse_gateway_config(std::string_view text, std::string_view file_name, const SecretLookup& secrets = {});

}  // namespace gatehouse::gateway
