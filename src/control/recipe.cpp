#include "control/recipe.h"

#include <boost/json.hpp>

#include <array>

#include "base/error.h"
#include "base/json.h"
#include "control/recipe_fields.h"

namespace gatehouse::control {

namespace {

constexpr std::array<std::pair<RecipeMode, std::string_view>, 5> kModeNames = {{
    {RecipeMode::service, "service"},
    {RecipeMode::job, "job"},
    {RecipeMode::update, "update"},
    {RecipeMode::shared_node_pool, "shared_node_pool"},
    {RecipeMode::team, "team"},
}};

// §7.5: the control plane's documented defaults for the keys a recipe leaves out, per probe kind
// (startup, liveness, readiness). Readiness lists no failure_threshold: Kubernetes' default (3) stands.
Probe probe_defaults(double initial_delay_seconds, double period_seconds, double timeout_seconds, int failure_threshold) {
  Probe probe;
  probe.initial_delay_seconds = initial_delay_seconds;
  probe.period_seconds = period_seconds;
  probe.timeout_seconds = timeout_seconds;
  probe.failure_threshold = failure_threshold;
  return probe;
}

std::optional<Probe> read_probe(const boost::json::object& body, std::string_view field, Probe probe) {
  const boost::json::value* value = json::find(body, field);
  if (!value) return std::nullopt;
  const boost::json::object& params = value->get_object();  // check_object saw an object
  const json::JsonPath path{std::string(field)};
  probe.endpoint_path = json::get_string(params, "endpoint_path", path, probe.endpoint_path);
  probe.port = int(json::get_int(params, "port", path, probe.port));
  probe.scheme = json::get_string(params, "scheme", path, probe.scheme);
  auto seconds = [&](std::string_view key, double& out) {
    if (const boost::json::value* number = json::find(params, key)) out = json::as_double(*number, path / key);
  };
  seconds("initial_delay_seconds", probe.initial_delay_seconds);
  seconds("period_seconds", probe.period_seconds);
  seconds("timeout_seconds", probe.timeout_seconds);
  probe.failure_threshold = int(json::get_int(params, "failure_threshold", path, probe.failure_threshold));
  probe.success_threshold = int(json::get_int(params, "success_threshold", path, probe.success_threshold));
  return probe;
}

std::optional<int> optional_int(const boost::json::object& body, std::string_view field) {
  const boost::json::value* value = json::find(body, field);
  if (!value) return std::nullopt;
  return int(json::as_int(*value, json::JsonPath(std::string(field))));  // bounds checked by the table
}

std::string string_field(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = json::find(object, key);
  return value ? std::string(value->get_string()) : std::string();
}

std::vector<std::string> string_list(const boost::json::object& body, std::string_view field) {
  std::vector<std::string> out;
  if (const boost::json::value* value = json::find(body, field)) {
    for (const boost::json::value& item : value->get_array()) out.emplace_back(item.get_string());
  }
  return out;
}

// An environment variable's name: anything but empty or holding '=' (or NUL), as Kubernetes now allows.
void check_env_name(std::string_view name, const std::string& path) {
  if (name.empty() || name.find_first_of(std::string_view("=\0", 2)) != std::string_view::npos) {
    throw InvalidParameter(path, path + ": an environment variable name must be non-empty and hold no '='");
  }
}

void check_secret_name(std::string_view name, const std::string& path) {
  if (!is_dns_subdomain(name)) {
    throw InvalidParameter(path, path + ": a secret name is lower-case letters, digits, '-' and '.', starting and "
                                        "ending with a letter or digit, at most 253 characters");
  }
}

void read_env(const boost::json::object& body, Recipe& recipe) {
  if (const boost::json::value* env = json::find(body, "recipe_container_env")) {
    const auto& items = env->get_array();
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& item = items[i].get_object();
      const std::string path = "recipe_container_env[" + std::to_string(i) + "]";
      EnvVar var{string_field(item, "key"), {}};
      check_env_name(var.key, path + ".key");
      const boost::json::value& value = item.at("value");
      var.value = value.is_string() ? std::string(value.get_string())
                                    : std::to_string(json::as_int(value, json::JsonPath(path + ".value")));
      recipe.env.push_back(std::move(var));
    }
  }
  if (const boost::json::value* secrets = json::find(body, "recipe_environment_secrets")) {
    const auto& items = secrets->get_array();
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& item = items[i].get_object();
      const std::string path = "recipe_environment_secrets[" + std::to_string(i) + "]";
      EnvSecret secret{string_field(item, "envvar_name"), string_field(item, "secret_name"),
                       string_field(item, "secret_key")};
      check_env_name(secret.envvar_name, path + ".envvar_name");
      check_secret_name(secret.secret_name, path + ".secret_name");
      if (secret.secret_key.empty()) throw InvalidParameter(path + ".secret_key", path + ".secret_key: is empty");
      recipe.env_secrets.push_back(std::move(secret));
    }
  }
}

// Shown in a message: the slug, cut short when a name is absurdly long.
std::string shown(std::string text) {
  if (text.size() > 80) text = text.substr(0, 80) + "...";
  return "\"" + text + "\"";
}

void check_deployment_name(const boost::json::object& body, Recipe& recipe) {
  const boost::json::value* name = json::find(body, "deployment_name");
  if (!name) {
    throw InvalidParameter("deployment_name", "deployment_name is missing: every recipe needs one (it names the "
                                              "deployment and, slugged, its host)");
  }
  recipe.deployment_name = std::string(name->get_string());
  const std::string label = slug(recipe.deployment_name);
  if (label.empty() || label.size() > 63) {
    throw InvalidParameter("deployment_name",
                           "deployment_name: slugs to " + shown(label) + " (" + std::to_string(label.size()) +
                               " characters), which is not a DNS label: the name must keep 1 to 63 letters, "
                               "digits, '-' or spaces once lower-cased, with other characters dropped");
  }
}

RecipeMode read_mode(const boost::json::object& body) {
  const boost::json::value* mode = json::find(body, "recipe_mode");
  if (!mode) {
    throw InvalidParameter("recipe_mode", "recipe_mode is missing: every recipe needs one of service, job, update, "
                                          "shared_node_pool, team");
  }
  for (const auto& [value, name] : kModeNames) {
    if (name == mode->get_string()) return value;
  }
  GH_CHECK(false);  // the field table allows only these names
}

}  // namespace

std::string_view recipe_mode_name(RecipeMode mode) {
  for (const auto& [value, name] : kModeNames) {
    if (value == mode) return name;
  }
  return "unknown";
}

std::string slug(std::string_view deployment_name) {
  std::string out;
  for (char c : deployment_name) {
    if (c >= 'A' && c <= 'Z') out += char(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') out += c;
    else if (c == ' ') out += '-';
  }
  const size_t first = out.find_first_not_of('-');
  if (first == std::string::npos) return {};
  return out.substr(first, out.find_last_not_of('-') - first + 1);
}

Recipe parse_recipe(const boost::json::value& body) {
  if (!body.is_object()) {
    throw Error(ErrorCode::invalid_argument, "a recipe is a JSON object, got " + std::string(json::kind_name(body)));
  }
  const boost::json::object& fields = body.get_object();
  check_object(fields, kRecipeShape, "");

  Recipe recipe;
  recipe.raw = fields;
  recipe.mode = read_mode(fields);
  check_deployment_name(fields, recipe);
  if (const boost::json::value* id = json::find(fields, "recipe_id")) recipe.recipe_id = std::string(id->get_string());

  recipe.image_uri = string_field(fields, "recipe_image_uri");
  recipe.command = string_list(fields, "recipe_container_command");
  recipe.args = string_list(fields, "recipe_container_command_args");
  recipe.command_use_shell = json::get_bool(fields, "recipe_container_command_use_shell", json::JsonPath("recipe"), false);
  read_env(fields, recipe);
  if (const boost::json::value* name = json::find(fields, "recipe_container_secret_name")) {
    recipe.container_secret_name = std::string(name->get_string());
    check_secret_name(*recipe.container_secret_name, "recipe_container_secret_name");
  }

  if (const boost::json::value* port = json::find(fields, "recipe_container_port")) recipe.container_port = *read_port(*port);
  if (const boost::json::value* port = json::find(fields, "recipe_host_port")) recipe.host_port = *read_port(*port);
  recipe.replicas = optional_int(fields, "recipe_replica_count").value_or(recipe.replicas);
  if ((recipe.mode == RecipeMode::service || recipe.mode == RecipeMode::job) && recipe.replicas < 1) {
    throw InvalidParameter("recipe_replica_count", "recipe_replica_count: a " +
                                                       std::string(recipe_mode_name(recipe.mode)) +
                                                       " needs at least 1 replica");
  }
  recipe.cpu_count = optional_int(fields, "recipe_container_cpu_count");
  recipe.memory_gb = optional_int(fields, "recipe_container_memory_size");
  recipe.nvidia_gpu_count = optional_int(fields, "recipe_nvidia_gpu_count");
  recipe.amd_gpu_count = optional_int(fields, "recipe_amd_gpu_count");
  recipe.ephemeral_storage_gb = optional_int(fields, "recipe_ephemeral_storage_size");
  recipe.shared_memory_mb = optional_int(fields, "recipe_shared_memory_volume_size_limit_in_mb");
  recipe.prometheus_enabled = json::get_bool(fields, "recipe_prometheus_enabled", json::JsonPath("recipe"), false);

  recipe.startup_probe = read_probe(fields, "recipe_startup_probe_params", probe_defaults(10, 2, 1, 30));
  recipe.liveness_probe = read_probe(fields, "recipe_liveness_probe_params", probe_defaults(600, 600, 1, 3));
  recipe.readiness_probe = read_probe(fields, "recipe_readiness_probe_params", probe_defaults(15, 10, 2, 3));

  if (const boost::json::value* domain = json::find(fields, "service_endpoint_domain")) {
    recipe.service_endpoint_domain = std::string(domain->get_string());
    if (!is_dns_subdomain(*recipe.service_endpoint_domain)) {
      throw InvalidParameter("service_endpoint_domain",
                             "service_endpoint_domain: must be a host name of lower-case letters, digits, '-' and "
                             "'.', such as \"chat.example.com\"");
    }
  }

  for (const FieldSpec& spec : kRecipeShape.fields) {
    if (spec.oci_only && json::find(fields, spec.name)) recipe.oci_only_fields.emplace_back(spec.name);
  }
  return recipe;
}

}  // namespace gatehouse::control
