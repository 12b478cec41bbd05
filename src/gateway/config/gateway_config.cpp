#include "gateway/config/gateway_config.h"

#include <cstdlib>
#include <map>
#include <set>

#include "base/error.h"
#include "base/file.h"
#include "gateway/config/config_values.h"

namespace gatehouse::gateway {
namespace {

constexpr size_t kConfigLimit = size_t(16) << 20;


// Reads the sections of one config into a GatewayConfig.
class ConfigReader {
 public:
  ConfigReader(GatewayConfig& config, const ConfigValues& values, const SecretLookup& secrets)
      : config_(config), values_(values), secrets_(secrets) {}

  void read(const YamlNode& root) {
    if (root.is_null()) throw Error(ErrorCode::invalid_argument, config_.file + ": is empty; a config needs a model_list");
    values_.expect_mapping(root, "the config");
    const YamlNode* model_list = root.find("model_list");
    if (!model_list || model_list->is_null())
      values_.fail(root, "model_list", "is missing; list the models to serve under model_list");
    deployments(*model_list);
    // router_settings first: LiteLLM's Router takes its own arguments over litellm_settings.
    if (const YamlNode* section = root.find("router_settings")) router_settings(*section);
    if (const YamlNode* section = root.find("litellm_settings")) litellm_settings(*section);
    if (const YamlNode* section = root.find("general_settings")) general_settings(*section);
    if (!config_.master_key) master_key_from_environment();
    for (const auto& entry : root.entries)
      if (entry.key != "model_list" && entry.key != "router_settings" && entry.key != "litellm_settings" &&
          entry.key != "general_settings" && entry.key != "environment_variables")
        config_.ignored_settings.push_back(entry.key);
  }

 private:
  void deployments(const YamlNode& list) {
    values_.expect_sequence(list, "model_list");
    if (list.items.empty()) values_.fail(list, "model_list", "is empty; list the models to serve under model_list");
    std::map<std::string, size_t> ids;
    for (size_t index = 0; index < list.items.size(); ++index) {
      Deployment deployment = read_deployment(list.items[index], index);
      const std::string path = key_path("model_list", index);
      auto [previous, added] = ids.emplace(deployment.id, index);
      if (!added)
        values_.fail(list.items[index], path + ".model_info.id",
                     "\"" + deployment.id + "\" is already the id of model_list[" + std::to_string(previous->second) +
                         "]; give each entry its own id");
      config_.deployments.push_back(std::move(deployment));
    }
  }

  Deployment read_deployment(const YamlNode& node, size_t index) {
    const std::string path = key_path("model_list", index);
    if (node.kind != YamlNode::Kind::mapping) values_.fail(node, path, "expected a mapping with model_name and litellm_params, got " + std::string(node.kind_name()));
    Deployment deployment;
    const YamlNode* name = node.find("model_name");
    if (!name || name->is_null()) values_.fail(node, path + ".model_name", "is missing; it is the name clients ask for");
    deployment.model_name = values_.text(*name, path + ".model_name");
    if (deployment.model_name.empty()) values_.fail(*name, path + ".model_name", "must not be empty");
    const YamlNode* params = node.find("litellm_params");
    if (!params || params->is_null())
      values_.fail(node, path + ".litellm_params", "is missing; it needs at least model (e.g. openai/gpt-4o)");
    values_.expect_mapping(*params, path + ".litellm_params");
    Costs listed_costs;
    if (const YamlNode* info = node.find("model_info")) {
      values_.expect_mapping(*info, path + ".model_info");
      if (info->kind == YamlNode::Kind::mapping) listed_costs = model_info(deployment, *info, path + ".model_info");
    }
    litellm_params(deployment, *params, path + ".litellm_params", listed_costs);
    if (deployment.id.empty()) deployment.id = deployment.model_name + "/" + std::to_string(index);
    for (const auto& entry : node.entries)
      if (entry.key != "model_name" && entry.key != "litellm_params" && entry.key != "model_info")
        config_.ignored_settings.push_back(key_path(path, entry.key));
    return deployment;
  }

  // Prices per token model_info lists; litellm_params' own win.
  struct Costs {
    double input = 0, output = 0;
  };

  void litellm_params(Deployment& deployment, const YamlNode& params, const std::string& path, const Costs& listed_costs) {
    std::optional<double> weight;
    bool costs_set[2] = {false, false};
    for (const auto& entry : params.entries) {
      const YamlNode& value = entry.value;
      const std::string where = key_path(path, entry.key);
      if (value.is_null()) continue;
      const std::string_view key = entry.key;
      if (key == "model") deployment.model = values_.text(value, where);
      else if (key == "api_base") deployment.api_base = values_.text(value, where);
      else if (key == "api_key") deployment.api_key = SecretString(values_.text(value, where));
      else if (key == "api_key_secret") deployment.secret_key = control_plane_secret(value, where);
      else if (key == "rpm") deployment.rpm = values_.integer(value, where);
      else if (key == "tpm") deployment.tpm = values_.integer(value, where);
      else if (key == "timeout") deployment.timeout = timeout(value, where);
      else if (key == "stream_timeout") deployment.stream_timeout = timeout(value, where);
      else if (key == "max_retries") deployment.max_retries = retries(value, where);
      else if (key == "weight") weight = values_.number(value, where);
      else if (key == "input_cost_per_token") {
        deployment.input_cost_per_token = values_.number(value, where);
        costs_set[0] = true;
      } else if (key == "output_cost_per_token") {
        deployment.output_cost_per_token = values_.number(value, where);
        costs_set[1] = true;
      } else {
        deployment.extra_params[entry.key] = values_.to_json(value, where);
      }
    }
    if (deployment.model.empty())
      values_.fail(params, key_path(path, "model"), "is missing; name the provider and model, e.g. openai/gpt-4o or huggingface/<repo>");
    // LiteLLM's simple-shuffle weighs by weight, else rpm, else tpm.
    deployment.weight = weight ? *weight : deployment.rpm ? double(*deployment.rpm) : deployment.tpm ? double(*deployment.tpm) : 1.0;
    if (!costs_set[0]) deployment.input_cost_per_token = listed_costs.input;
    if (!costs_set[1]) deployment.output_cost_per_token = listed_costs.output;
  }

  Costs model_info(Deployment& deployment, const YamlNode& info, const std::string& path) {
    Costs costs;
    for (const auto& entry : info.entries) {
      const std::string where = key_path(path, entry.key);
      if (entry.value.is_null()) continue;
      if (entry.key == "id") deployment.id = values_.text(entry.value, where);
      else if (entry.key == "input_cost_per_token") costs.input = values_.number(entry.value, where);
      else if (entry.key == "output_cost_per_token") costs.output = values_.number(entry.value, where);
      deployment.model_info[entry.key] = values_.to_json(entry.value, where);
    }
    if (info.find("id") && deployment.id.empty()) values_.fail(*info.find("id"), key_path(path, "id"), "must not be empty");
    return costs;
  }

  // The router settings both sections may hold. `section` is where they were written.
  bool router_setting(const YamlEntry& entry, const std::string& section) {
    const std::string path = key_path(section, entry.key);
    const YamlNode& value = entry.value;
    RouterSettings& router = config_.router;
    if (entry.key != "num_retries" && entry.key != "allowed_fails" && entry.key != "fallbacks") return false;
    if (value.is_null()) return true;
    if (entry.key == "num_retries") {
      router.num_retries = retries(value, path);
    } else if (entry.key == "allowed_fails") {
      router.allowed_fails = int(std::min<int64_t>(values_.integer(value, path), 1'000'000));
    } else {
      router.fallbacks = fallbacks(value, path);
    }
    return true;
  }

  std::vector<std::pair<std::string, std::vector<std::string>>> fallbacks(const YamlNode& list, const std::string& path) {
    std::vector<std::pair<std::string, std::vector<std::string>>> result;
    if (list.is_null()) return result;
    values_.expect_sequence(list, path);
    for (size_t index = 0; index < list.items.size(); ++index) {
      const YamlNode& item = list.items[index];
      if (item.kind != YamlNode::Kind::mapping)
        values_.fail(item, key_path(path, index), "expected a mapping from a model_name to the model_names to fall back to, e.g. {\"gpt-3.5-turbo\": [\"gpt-4\"]}, got " + std::string(item.kind_name()));
      for (const auto& entry : item.entries)
        result.emplace_back(entry.key, values_.strings(entry.value, key_path(key_path(path, index), entry.key)));
    }
    return result;
  }

  // The router settings LiteLLM also reads from litellm_settings; those router_settings set win.
  void litellm_settings(const YamlNode& section) {
    values_.expect_mapping(section, "litellm_settings");
    for (const auto& entry : section.entries) {
      if (entry.key == "request_timeout") {
        if (!router_keys_.contains("timeout") && !entry.value.is_null())
          config_.router.timeout = timeout(entry.value, "litellm_settings.request_timeout");
      } else if (entry.key == "num_retries" || entry.key == "allowed_fails" || entry.key == "fallbacks") {
        if (!router_keys_.contains(entry.key)) router_setting(entry, "litellm_settings");
      } else {
        config_.ignored_settings.push_back(key_path("litellm_settings", entry.key));
      }
    }
  }

  void router_settings(const YamlNode& section) {
    values_.expect_mapping(section, "router_settings");
    RouterSettings& router = config_.router;
    for (const auto& entry : section.entries) {
      const std::string path = key_path("router_settings", entry.key);
      const YamlNode& value = entry.value;
      if (router_setting(entry, "router_settings")) {
        if (!value.is_null()) router_keys_.insert(entry.key);
        continue;
      }
      if (entry.key != "routing_strategy" && entry.key != "cooldown_time" && entry.key != "timeout" && entry.key != "retry_after") {
        config_.ignored_settings.push_back(path);
        continue;
      }
      if (value.is_null()) continue;
      router_keys_.insert(entry.key);
      if (entry.key == "routing_strategy") {
        const std::string name = values_.text(value, path);
        auto strategy = parse_routing_strategy(name);
        if (!strategy)
          values_.fail(value, path, "\"" + name.substr(0, 60) + "\" is not a strategy the gateway has; use simple-shuffle, least-busy, latency-based-routing or usage-based-routing");
        router.strategy = *strategy;
      } else if (entry.key == "cooldown_time") {
        router.cooldown_time = values_.seconds(value, path);
      } else if (entry.key == "timeout") {
        router.timeout = timeout(value, path);
      } else {
        router.retry_after = values_.seconds(value, path);
      }
    }
  }

  void general_settings(const YamlNode& section) {
    values_.expect_mapping(section, "general_settings");
    for (const auto& entry : section.entries) {
      if (entry.key != "master_key") {
        config_.ignored_settings.push_back(key_path("general_settings", entry.key));
        continue;
      }
      if (entry.value.is_null()) continue;
      std::string key = values_.text(entry.value, "general_settings.master_key");
      if (!key.starts_with("sk-"))
        values_.fail(entry.value, "general_settings.master_key",
                     "must start with \"sk-\", as LiteLLM requires of master keys (e.g. sk-1234...); the value is not shown");
      config_.master_key = SecretString(std::move(key));
    }
  }

  // LiteLLM's fallback when general_settings has no master_key.
  void master_key_from_environment() {
    std::optional<std::string> key = values_.variable("LITELLM_MASTER_KEY");
    if (!key || key->empty()) return;
    if (!key->starts_with("sk-"))
      throw Error(ErrorCode::invalid_argument, config_.file + ": LITELLM_MASTER_KEY (the master key, as general_settings.master_key "
                                               "is not set) must start with \"sk-\", as LiteLLM requires of master keys; the value is not shown");
    config_.master_key = SecretString(std::move(*key));
  }

  // `api_key_secret: <name>` or `<name>/<data key>`: the secret's value, through secrets_.
  SecretString control_plane_secret(const YamlNode& value, const std::string& path) const {
    const std::string reference = values_.text(value, path);
    const size_t slash = reference.find('/');
    const std::string name = reference.substr(0, slash);
    const std::string data_key = slash == std::string::npos ? "" : reference.substr(slash + 1);
    if (name.empty() || (slash != std::string::npos && (data_key.empty() || data_key.find('/') != std::string::npos)))
      values_.fail(value, path, "expected a control-plane secret as <name> or <name>/<key>, e.g. hf-secret or hf-secret/HF_TOKEN");
    const std::string quoted = "'" + reference + "'";
    if (!secrets_)
      values_.fail(value, path, "names the control-plane secret " + quoted + ", but the gateway has no control plane to read it from; "
                                "start it with --control-data-dir DIR (the --data-dir of gatehouse up)");
    std::optional<SecretString> secret;
    std::string problem;
    try {
      secret = secrets_(name, data_key);
    } catch (const Error& error) {
      problem = error.what();
    }
    if (!problem.empty()) values_.fail(value, path, problem);
    if (!secret)
      values_.fail(value, path, "the control plane has no secret '" + name + "'; create it (gatehouse secrets create " + name +
                                " --from-env KEY=VARIABLE) or correct the name");
    if (secret->empty()) values_.fail(value, path, "the control-plane secret " + quoted + " is empty");
    return std::move(*secret);
  }

  std::chrono::milliseconds timeout(const YamlNode& value, const std::string& path) const {
    const auto result = values_.seconds(value, path);
    if (result.count() <= 0) values_.fail(value, path, "must be more than 0 seconds");
    return result;
  }

  int retries(const YamlNode& value, const std::string& path) const {
    constexpr int64_t kMaxRetries = 100;
    const int64_t result = values_.integer(value, path);
    if (result > kMaxRetries) values_.fail(value, path, "must be at most " + std::to_string(kMaxRetries));
    return int(result);
  }

  GatewayConfig& config_;
  const ConfigValues& values_;
  const SecretLookup& secrets_;
  std::set<std::string> router_keys_;  // the router settings router_settings sets
};

// environment_variables: names and values, read before anything that may refer to them.
ConfigValues::Variables environment_variables(const YamlNode& root, std::string_view file_name) {
  ConfigValues::Variables variables;
  const YamlNode* section = root.kind == YamlNode::Kind::mapping ? root.find("environment_variables") : nullptr;
  if (!section) return variables;
  const ConfigValues plain(file_name, variables);
  plain.expect_mapping(*section, "environment_variables");
  for (const auto& entry : section->entries) {
    const std::string path = key_path("environment_variables", entry.key);
    if (entry.key.empty() || entry.key.find('=') != std::string::npos || entry.key.find('\0') != std::string::npos)
      plain.fail(entry.value, path, "is not a valid environment variable name");
    if (entry.value.kind != YamlNode::Kind::scalar) plain.fail(entry.value, path, "expected a value, got " + std::string(entry.value.kind_name()));
    if (entry.value.text.find('\0') != std::string::npos) plain.fail(entry.value, path, "holds a NUL character");
    variables.emplace_back(entry.key, SecretString(entry.value.is_null() ? "" : entry.value.text));
  }
  return variables;
}

}  // namespace

GatewayConfig parse_gateway_config(std::string_view text, std::string_view file_name, const SecretLookup& secrets) {
  const YamlNode root = parse_yaml(text, file_name);
  GatewayConfig config;
  config.file = file_name;
  config.environment_variables = environment_variables(root, file_name);
  const ConfigValues values(file_name, config.environment_variables);
  ConfigReader(config, values, secrets).read(root);
  return config;
}

GatewayConfig load_gateway_config(const std::string& path, const SecretLookup& secrets) {
  GatewayConfig config = parse_gateway_config(files::read_file(path, kConfigLimit), path, secrets);
  for (const auto& [name, value] : config.environment_variables)
    if (setenv(name.c_str(), value.reveal().c_str(), 1) != 0)
      throw Error(ErrorCode::invalid_argument, path + ": environment_variables." + name + ": could not be set");
  return config;
}

}  // namespace gatehouse::gateway
