// A Blueprints recipe (the body of POST /deployment/) read and checked: every one of the 68 fields of
// the upstream schema is accepted and type-checked, and the fields an executor acts on are lifted
// into typed members. Fields that mean something only on OCI (shapes, OCIDs, boot volumes, object
// storage, node pools) are kept in `raw` and listed in `oci_only_fields`, so the digest can say
// that this executor did not apply them. Plain values; no thread-safety concerns.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::control {

enum class RecipeMode { service, job, update, shared_node_pool, team };

std::string_view recipe_mode_name(RecipeMode mode);  // "service", "job", ...

// One of recipe_startup_probe_params / recipe_liveness_probe_params / recipe_readiness_probe_params,
// with the keys the recipe left out filled from the control plane's documented defaults.
struct Probe {
  std::string endpoint_path = "/health";
  int port = 8000;
  std::string scheme = "HTTP";  // HTTP, HTTPS or TCP
  double initial_delay_seconds = 0;
  double period_seconds = 10;
  double timeout_seconds = 1;
  int failure_threshold = 3;
  int success_threshold = 1;
};

struct EnvVar {
  std::string key;
  std::string value;  // an integer value in the recipe is kept as its decimal text
};

// recipe_environment_secrets: the secret's key becomes the environment variable of the processes.
struct EnvSecret {
  std::string envvar_name;
  std::string secret_name;
  std::string secret_key;
};

struct Recipe {
  boost::json::object raw;  // the recipe as posted (after group placeholders were substituted)

  RecipeMode mode = RecipeMode::service;
  std::string deployment_name;          // as given ("vLLM Inference Deployment")
  std::optional<std::string> recipe_id;

  std::string image_uri;                          // recipe_image_uri; empty when absent
  std::vector<std::string> command;               // recipe_container_command (the entrypoint)
  std::vector<std::string> args;                  // recipe_container_command_args, unexpanded
  bool command_use_shell = false;
  std::vector<EnvVar> env;                        // recipe_container_env, in order
  std::vector<EnvSecret> env_secrets;             // recipe_environment_secrets
  std::optional<std::string> container_secret_name;  // image-pull secret

  int container_port = 8000;  // recipe_container_port (a string in the recipe)
  int host_port = 80;         // recipe_host_port
  int replicas = 1;           // recipe_replica_count
  std::optional<int> cpu_count;             // recipe_container_cpu_count
  std::optional<int> memory_gb;             // recipe_container_memory_size
  std::optional<int> nvidia_gpu_count;      // recipe_nvidia_gpu_count
  std::optional<int> amd_gpu_count;         // recipe_amd_gpu_count
  std::optional<int> ephemeral_storage_gb;  // recipe_ephemeral_storage_size
  std::optional<int> shared_memory_mb;      // recipe_shared_memory_volume_size_limit_in_mb
  bool prometheus_enabled = false;

  std::optional<Probe> startup_probe;
  std::optional<Probe> liveness_probe;
  std::optional<Probe> readiness_probe;

  std::optional<std::string> service_endpoint_domain;  // an explicit ingress host

  // The top-level fields present in `raw` that only OCI can act on, in schema order.
  std::vector<std::string> oci_only_fields;
};

// Reads and checks a recipe. Throws InvalidParameter naming the field (as a path such as
// "recipe_container_env[1].key" or "recipe_readiness_probe_params.port") and saying what was
// expected: unknown fields, wrong types, a missing recipe_mode or deployment_name, an unknown mode,
// a deployment_name that slugs to nothing or to more than 63 characters, a port out of range.
Recipe parse_recipe(const boost::json::value& body);

// The DNS label a deployment name becomes (Blueprints' rule): lower case, spaces to '-', every
// character outside [a-z0-9-] dropped ("autoscale_vllm_example" -> "autoscalevllmexample"),
// leading and trailing '-' trimmed. Empty when nothing is left.
std::string slug(std::string_view deployment_name);

// Kubernetes' expansion of $(VAR) in command and args: $(VAR) becomes the variable's value when
// `lookup` knows it and stays as written otherwise; "$$" becomes "$" (so "$$(VAR)" stays literal).
std::string expand_env_references(std::string_view text,
                                  const std::function<std::optional<std::string>(std::string_view)>& lookup);

// A deployment_group body ({"deployment_group": {"name", "deployments": [...]}}), checked: member
// names unique, every depends_on names a member, no cycle, exports from service_url,
// internal_dns_name, service_name. Members come out in an order where dependencies come first.
struct GroupMember {
  std::string name;                     // the member's name within the group
  std::vector<std::string> depends_on;
  std::vector<std::string> exports;
  boost::json::object recipe;           // unparsed: it may hold ${member.export} placeholders
  std::string path;                     // where it was listed, for errors: "deployment_group.deployments[1]"
  Recipe checked;                       // `recipe` as checked, each placeholder standing in as its member's name
};

struct DeploymentGroupSpec {
  std::string name;
  std::vector<GroupMember> members;  // dependencies first
};

DeploymentGroupSpec parse_deployment_group(const boost::json::value& body);

// Replaces every "${member.export}" in every string of `recipe` (keys stay) with its value from
// `exports`; throws InvalidParameter naming the placeholder when one is unknown.
boost::json::object substitute_placeholders(
    const boost::json::object& recipe,
    const std::function<std::optional<std::string>(std::string_view member, std::string_view export_name)>& exports);

}  // namespace gatehouse::control
