#include "control/recipe_fields.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/error.h"
#include "base/json.h"

namespace gatehouse::control {

namespace {

using T = FieldType;

// Bounds that recur. Sizes are GB (or MB for shared memory); 2^24 of either is far past any node.
constexpr double kMaxSize = 16'777'216;
constexpr double kMaxCount = 1000;      // replicas, nodes
constexpr double kMaxSeconds = 86'400;  // probe and autoscaling timings: a day
constexpr double kMaxInt32 = 2'147'483'647;

// §7.5: the three probes share their keys. The schema types failure_threshold as a number;
// Kubernetes needs an integer, so 3.0 is taken and 2.5 is not.
constexpr std::string_view kSchemes[] = {"HTTP", "HTTPS", "TCP"};
constexpr FieldSpec kProbeFields[] = {
    {.name = "failure_threshold", .type = T::integer, .min = 1, .max = 10'000},
    {.name = "endpoint_path", .type = T::string},
    {.name = "port", .type = T::integer, .min = 1, .max = 65'535},
    {.name = "scheme", .type = T::string, .choices = kSchemes},
    {.name = "initial_delay_seconds", .type = T::number, .max = kMaxSeconds},
    {.name = "period_seconds", .type = T::number, .min = 1, .max = kMaxSeconds},
    {.name = "success_threshold", .type = T::integer, .min = 1, .max = 10'000},
    {.name = "timeout_seconds", .type = T::number, .min = 1, .max = kMaxSeconds},
};
constexpr ObjectShape kProbe{.fields = kProbeFields};

constexpr FieldSpec kEnvFields[] = {
    {.name = "key", .type = T::string, .required = true},
    {.name = "value", .type = T::int_or_string, .required = true, .min = -9.2e18, .max = 9.2e18},
};
constexpr ObjectShape kEnv{.fields = kEnvFields};

constexpr FieldSpec kEnvSecretFields[] = {
    {.name = "envvar_name", .type = T::string, .required = true},
    {.name = "secret_name", .type = T::string, .required = true},
    {.name = "secret_key", .type = T::string, .required = true},
};
constexpr ObjectShape kEnvSecret{.fields = kEnvSecretFields};

// The public schema names an extra port `name`; Oracle's packs (§9) say `port_name` and add
// service_name and path_type. Either spelling is taken, one at a time.
constexpr std::string_view kPortNames[] = {"name", "port_name"};
constexpr std::string_view kPathTypes[] = {"Prefix", "Exact", "ImplementationSpecific"};
constexpr FieldSpec kIngressPortFields[] = {
    {.name = "name", .type = T::string},
    {.name = "port_name", .type = T::string},
    {.name = "service_name", .type = T::string},
    {.name = "port", .type = T::integer, .required = true, .min = 1, .max = 65'535},
    {.name = "path", .type = T::string, .required = true},
    {.name = "path_type", .type = T::string, .choices = kPathTypes},
};
constexpr ObjectShape kIngressPort{.fields = kIngressPortFields, .one_of = kPortNames};

constexpr FieldSpec kGatewayFields[] = {
    {.name = "model_name", .type = T::string, .required = true},
    {.name = "url_path", .type = T::string},
    {.name = "api_key", .type = T::string},
};
constexpr ObjectShape kGateway{.fields = kGatewayFields};

constexpr std::string_view kObjectSources[] = {"par", "bucket_name"};
constexpr FieldSpec kInputObjectStorageFields[] = {
    {.name = "par", .type = T::string},
    {.name = "bucket_name", .type = T::string},
    {.name = "mount_location", .type = T::string, .required = true},
    {.name = "volume_size_in_gbs", .type = T::integer, .required = true, .min = 1, .max = kMaxSize},
    {.name = "include", .type = T::string_list},
    {.name = "exclude", .type = T::string_list},
};
constexpr ObjectShape kInputObjectStorage{.fields = kInputObjectStorageFields, .one_of = kObjectSources};

constexpr FieldSpec kOutputObjectStorageFields[] = {
    {.name = "bucket_name", .type = T::string, .required = true},
    {.name = "mount_location", .type = T::string, .required = true},
    {.name = "volume_size_in_gbs", .type = T::integer, .required = true, .min = 1, .max = kMaxSize},
};
constexpr ObjectShape kOutputObjectStorage{.fields = kOutputObjectStorageFields};

constexpr FieldSpec kFileSystemFields[] = {
    {.name = "file_system_ocid", .type = T::string, .required = true},
    {.name = "mount_target_ocid", .type = T::string, .required = true},
    {.name = "mount_location", .type = T::string, .required = true},
    {.name = "volume_size_in_gbs", .type = T::integer, .required = true, .min = 1, .max = kMaxSize},
};
constexpr ObjectShape kFileSystem{.fields = kFileSystemFields};

constexpr FieldSpec kLocalFilesystemFields[] = {
    {.name = "node_directory_path", .type = T::string, .required = true},
    {.name = "mount_location", .type = T::string, .required = true},
};
constexpr ObjectShape kLocalFilesystem{.fields = kLocalFilesystemFields};

// §7.6. collect_metrics_timespan is a string ("5m") as the schema says; the README's "integer" is
// a documentation slip.
constexpr std::string_view kScalerTypes[] = {"prometheus"};
constexpr FieldSpec kPodAutoscalingFields[] = {
    {.name = "min_replicas", .type = T::integer, .max = kMaxCount},
    {.name = "max_replicas", .type = T::integer, .min = 1, .max = kMaxCount},
    {.name = "scaling_metric", .type = T::string},
    {.name = "collect_metrics_timespan", .type = T::string},
    {.name = "scaling_threshold", .type = T::number, .max = 1e15},
    {.name = "scaling_cooldown", .type = T::integer, .max = kMaxSeconds},
    {.name = "polling_interval", .type = T::integer, .min = 1, .max = kMaxSeconds},
    {.name = "stabilization_window_down", .type = T::integer, .max = kMaxSeconds},
    {.name = "scaling_period_down", .type = T::integer, .min = 1, .max = kMaxSeconds},
    {.name = "stabilization_window_up", .type = T::integer, .max = kMaxSeconds},
    {.name = "scaling_period_up", .type = T::integer, .min = 1, .max = kMaxSeconds},
    {.name = "query", .type = T::string},
    {.name = "scaler_type", .type = T::string, .choices = kScalerTypes},
    {.name = "server_address", .type = T::string},
};
constexpr ObjectShape kPodAutoscaling{.fields = kPodAutoscalingFields};

// The README's Example 3 puts pod keys here; the schema forbids it, and so do we, saying where
// they belong.
constexpr FieldSpec kNodeAutoscalingFields[] = {
    {.name = "min_nodes", .type = T::integer, .max = kMaxCount},
    {.name = "max_nodes", .type = T::integer, .min = 1, .max = kMaxCount},
};
constexpr ObjectShape kNodeAutoscaling{
    .fields = kNodeAutoscalingFields, .note = "pod scaling keys belong in recipe_pod_autoscaling_params"};

constexpr FieldSpec kKeyValueFields[] = {
    {.name = "key", .type = T::string, .required = true},
    {.name = "value", .type = T::string, .required = true},
};
constexpr ObjectShape kKeyValue{.fields = kKeyValueFields};

// §6.5: quota values are strings.
constexpr FieldSpec kQuotaFields[] = {
    {.name = "shape_name", .type = T::string, .required = true},
    {.name = "cpu_nominal_quota", .type = T::string},
    {.name = "cpu_borrowing_limit", .type = T::string},
    {.name = "cpu_lending_limit", .type = T::string},
    {.name = "mem_nominal_quota", .type = T::string},
    {.name = "mem_borrowing_limit", .type = T::string},
    {.name = "mem_lending_limit", .type = T::string},
    {.name = "gpu_nominal_quota", .type = T::string},
    {.name = "gpu_borrowing_limit", .type = T::string},
    {.name = "gpu_lending_limit", .type = T::string},
};
constexpr ObjectShape kQuota{.fields = kQuotaFields};

constexpr FieldSpec kTeamFields[] = {
    {.name = "team_name", .type = T::string, .required = true},
    {.name = "priority_threshold", .type = T::integer, .required = true, .min = -kMaxInt32, .max = kMaxInt32},
    {.name = "quotas", .type = T::object_list, .required = true, .shape = &kQuota},
};
constexpr ObjectShape kTeam{.fields = kTeamFields};

constexpr FieldSpec kTeamInfoFields[] = {{.name = "team_name", .type = T::string, .required = true}};
constexpr ObjectShape kTeamInfo{.fields = kTeamInfoFields};

constexpr FieldSpec kServiceEndpointFields[] = {
    {.name = "domain", .type = T::string},
    {.name = "dedicated_load_balancer", .type = T::boolean},
};
constexpr ObjectShape kServiceEndpoint{.fields = kServiceEndpointFields};

constexpr FieldSpec kSecretMountFields[] = {
    {.name = "name", .type = T::string, .required = true},
    {.name = "mount_location", .type = T::string, .required = true},
};
constexpr ObjectShape kSecretMount{.fields = kSecretMountFields};

constexpr FieldSpec kConfigMapFields[] = {
    {.name = "name", .type = T::string, .required = true},
    {.name = "data", .type = T::string_map, .required = true},
    {.name = "default_mode", .type = T::integer, .max = 0777},
    {.name = "mount_location", .type = T::string, .required = true},
};
constexpr ObjectShape kConfigMap{.fields = kConfigMapFields};

constexpr FieldSpec kVolumeFields[] = {
    {.name = "name", .type = T::string, .required = true},
    {.name = "mount_location", .type = T::string, .required = true},
    {.name = "volume_size_in_gbs", .type = T::integer, .required = true, .min = 1, .max = kMaxSize},
};
constexpr ObjectShape kVolume{.fields = kVolumeFields};

constexpr FieldSpec kPvcsFields[] = {
    {.name = "volumes", .type = T::object_list, .required = true, .shape = &kVolume},
    {.name = "retain_after_undeploy", .type = T::boolean},
};
constexpr ObjectShape kPvcs{.fields = kPvcsFields};

constexpr std::string_view kModes[] = {"service", "job", "update", "shared_node_pool", "team"};

// The recipe's top level, in the reference's order (§7.1 to §7.7, then §9).
//
// OCI-only or not: a field is OCI-only when neither executor here (local processes, or a plain
// Kubernetes cluster) can act on it: OCI shapes, node pools and their sizes, OCIDs, subnets and
// NSGs, boot volumes, Object Storage and FSS mounts, capacity and quota checks, shared node pools
// and multinode (LeaderWorkerSet on those pools), MIG slices, node operations (update mode), and
// the parts of Blueprints' OCI stack a plain cluster lacks: Kong (recipe_inference_gateway), Kueue
// (team, recipe_team_info) and the dedicated OCI load balancer (service_endpoint).
// Not OCI-only: the container (image, command, args, env, secrets, pull secret, ports, replicas,
// CPU, memory, GPU counts, /dev/shm, ephemeral storage, Prometheus), probes, hostPath mounts
// (local_filesystem), pod autoscaling (a Kubernetes HPA), the node's architecture selector, the
// ingress host and its extras (annotations, ports, subdomain), and the §9 volume fields (secret
// mounts, config maps, PVCs, fsGroup), which Kubernetes has objects for.
constexpr FieldSpec kRecipeFields[] = {
    // §7.1 identity and mode
    {.name = "deployment_name", .type = T::string},
    {.name = "recipe_mode", .type = T::string, .choices = kModes},
    {.name = "recipe_id", .type = T::string},
    {.name = "pre_filled_sample_name", .type = T::string},
    {.name = "recipe_compartment_ocid", .type = T::string, .oci_only = true},
    // §7.2 container. The reference types both ports as strings ("8000"); an integer is taken too,
    // since it can only mean the same port.
    {.name = "recipe_image_uri", .type = T::string},
    {.name = "recipe_container_secret_name", .type = T::string},
    {.name = "recipe_container_command", .type = T::string_list},
    {.name = "recipe_container_command_args", .type = T::string_list},
    {.name = "recipe_container_command_use_shell", .type = T::boolean},
    {.name = "recipe_container_env", .type = T::object_list, .shape = &kEnv},
    {.name = "recipe_environment_secrets", .type = T::object_list, .shape = &kEnvSecret},
    {.name = "recipe_container_port", .type = T::port},
    {.name = "recipe_host_port", .type = T::port},
    {.name = "recipe_additional_ingress_ports", .type = T::object_list, .shape = &kIngressPort},
    {.name = "recipe_replica_count", .type = T::integer, .max = kMaxCount},
    {.name = "recipe_container_cpu_count", .type = T::integer, .min = 1, .max = 10'000},
    {.name = "recipe_container_memory_size", .type = T::integer, .min = 1, .max = kMaxSize},
    {.name = "recipe_nvidia_gpu_count", .type = T::integer, .max = 1024},
    {.name = "recipe_amd_gpu_count", .type = T::integer, .max = 1024},
    {.name = "recipe_ephemeral_storage_size", .type = T::integer, .max = kMaxSize},
    {.name = "recipe_shared_memory_volume_size_limit_in_mb", .type = T::integer, .max = kMaxSize},
    {.name = "recipe_prometheus_enabled", .type = T::boolean},
    {.name = "recipe_inference_gateway", .type = T::object, .shape = &kGateway, .oci_only = true},
    {.name = "mig_resource_request", .type = T::string, .oci_only = true},
    // §7.3 node and infrastructure
    {.name = "recipe_node_shape", .type = T::string, .oci_only = true},
    {.name = "recipe_node_pool_size", .type = T::integer, .max = kMaxCount, .oci_only = true},
    {.name = "recipe_node_boot_volume_size_in_gbs", .type = T::integer, .min = 1, .max = kMaxSize, .oci_only = true},
    {.name = "recipe_flex_shape_ocpu_count", .type = T::integer, .min = 1, .max = 10'000, .oci_only = true},
    {.name = "recipe_flex_shape_memory_size_in_gbs", .type = T::integer, .min = 1, .max = kMaxSize, .oci_only = true},
    {.name = "recipe_node_image_ocid", .type = T::string, .oci_only = true},
    {.name = "recipe_availability_domain", .type = T::string, .oci_only = true},
    {.name = "recipe_public_ssh_key", .type = T::string, .oci_only = true},
    {.name = "recipe_max_pods_per_node", .type = T::integer, .min = 1, .max = kMaxCount, .oci_only = true},
    {.name = "recipe_node_selector_arch", .type = T::string},
    {.name = "recipe_node_labels", .type = T::string_map, .oci_only = true},
    {.name = "recipe_node_name", .type = T::string, .oci_only = true},
    {.name = "recipe_node_pool_name", .type = T::string, .oci_only = true},
    {.name = "recipe_use_shared_node_pool", .type = T::boolean, .oci_only = true},
    {.name = "recipe_shared_node_pool_selector", .type = T::string, .oci_only = true},
    {.name = "recipe_worker_subnet_nsg_ocid", .type = T::string, .oci_only = true},
    {.name = "recipe_pod_subnet_ocid", .type = T::string, .oci_only = true},
    {.name = "recipe_pod_subnet_nsg_ocid", .type = T::string, .oci_only = true},
    {.name = "skip_capacity_validation", .type = T::boolean, .oci_only = true},
    {.name = "skip_quota_validation", .type = T::boolean, .oci_only = true},
    // §7.4 storage
    {.name = "input_object_storage", .type = T::object_list, .shape = &kInputObjectStorage, .oci_only = true},
    {.name = "output_object_storage", .type = T::object_list, .shape = &kOutputObjectStorage, .oci_only = true},
    {.name = "input_file_system", .type = T::object_list, .shape = &kFileSystem, .oci_only = true},
    {.name = "local_filesystem", .type = T::object_list, .shape = &kLocalFilesystem},
    // §7.5 probes and §7.6 autoscaling
    {.name = "recipe_startup_probe_params", .type = T::object, .shape = &kProbe},
    {.name = "recipe_liveness_probe_params", .type = T::object, .shape = &kProbe},
    {.name = "recipe_readiness_probe_params", .type = T::object, .shape = &kProbe},
    {.name = "recipe_pod_autoscaling_params", .type = T::object, .shape = &kPodAutoscaling},
    {.name = "recipe_node_autoscaling_params", .type = T::object, .shape = &kNodeAutoscaling, .oci_only = true},
    // §7.7 shared pools, teams, multinode, endpoints
    {.name = "shared_node_pool_size", .type = T::integer, .min = 1, .max = kMaxCount, .oci_only = true},
    {.name = "shared_node_pool_shape", .type = T::string, .oci_only = true},
    {.name = "shared_node_pool_boot_volume_size_in_gbs", .type = T::integer, .min = 1, .max = kMaxSize, .oci_only = true},
    {.name = "shared_node_pool_flex_shape_ocpu_count", .type = T::integer, .min = 1, .max = 10'000, .oci_only = true},
    {.name = "shared_node_pool_flex_shape_memory_size_in_gbs", .type = T::integer, .min = 1, .max = kMaxSize,
     .oci_only = true},
    {.name = "shared_node_pool_selector", .type = T::string, .oci_only = true},
    {.name = "shared_node_pool_mig_config", .type = T::string, .oci_only = true},
    {.name = "shared_node_pool_custom_node_selectors", .type = T::object_list, .shape = &kKeyValue, .oci_only = true},
    {.name = "multinode_num_nodes_to_use_from_shared_pool", .type = T::integer, .min = 1, .max = kMaxCount,
     .oci_only = true},
    {.name = "multinode_rdma_enabled_in_shared_pool", .type = T::boolean, .oci_only = true},
    {.name = "team", .type = T::object, .shape = &kTeam, .oci_only = true},
    {.name = "recipe_team_info", .type = T::object, .shape = &kTeamInfo, .oci_only = true},
    {.name = "service_endpoint_domain", .type = T::string},
    {.name = "service_endpoint", .type = T::object, .shape = &kServiceEndpoint, .oci_only = true},
    // §9 newer fields of Oracle's packs
    {.name = "recipe_secret_mounts", .type = T::object_list, .shape = &kSecretMount},
    {.name = "recipe_configmaps", .type = T::object_list, .shape = &kConfigMap},
    {.name = "pvcs", .type = T::object, .shape = &kPvcs},
    {.name = "recipe_storage_group_id", .type = T::integer, .max = kMaxInt32},
    {.name = "recipe_additional_ingress_annotations", .type = T::object_list, .shape = &kKeyValue},
    {.name = "service_endpoint_subdomain", .type = T::string},
    {.name = "recipe_disable_ingress", .type = T::boolean},
};

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string item(const std::string& path, size_t index) { return path + "[" + std::to_string(index) + "]"; }

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (std::string_view word : words) out += (out.empty() ? "" : ", ") + std::string(word);
  return out;
}

[[noreturn]] void wrong_kind(const std::string& path, std::string_view expected, const boost::json::value& value) {
  throw InvalidParameter(path, path + ": expected " + std::string(expected) + ", got " +
                                   std::string(json::kind_name(value)));
}

std::string bound_text(double bound) {
  char text[32];
  auto result = std::to_chars(text, text + sizeof text, bound);
  return std::string(text, result.ptr);
}

void check_bounds(const std::string& path, double number, const FieldSpec& spec) {
  if (number < spec.min || number > spec.max) {
    throw InvalidParameter(path, path + ": must be between " + bound_text(spec.min) + " and " + bound_text(spec.max));
  }
}

bool is_integral(const boost::json::value& value) {
  return value.is_int64() || value.is_uint64() || (value.is_double() && std::isfinite(value.get_double()) &&
                                                   std::trunc(value.get_double()) == value.get_double());
}

double number_of(const boost::json::value& value) {
  if (value.is_int64()) return double(value.get_int64());
  if (value.is_uint64()) return double(value.get_uint64());
  return value.get_double();
}

void check_value(const boost::json::value& value, const FieldSpec& spec, const std::string& path) {
  switch (spec.type) {
    case T::string:
      if (!value.is_string()) wrong_kind(path, "a string", value);
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), std::string_view(value.get_string())) ==
              spec.choices.end()) {
        throw InvalidParameter(path, path + ": must be one of " + join(spec.choices));
      }
      return;
    case T::integer:
      if (!is_integral(value)) wrong_kind(path, "an integer", value);
      return check_bounds(path, number_of(value), spec);
    case T::number:
      if (!value.is_number() || !std::isfinite(number_of(value))) wrong_kind(path, "a number", value);
      return check_bounds(path, number_of(value), spec);
    case T::boolean:
      if (!value.is_bool()) wrong_kind(path, "a boolean", value);
      return;
    case T::port:
      if (!value.is_string() && !is_integral(value)) wrong_kind(path, "a port number as a string, such as \"8000\"", value);
      if (!read_port(value)) throw InvalidParameter(path, path + ": must be a port number from 1 to 65535, such as \"8000\"");
      return;
    case T::int_or_string:
      if (value.is_string()) return;
      if (!is_integral(value)) wrong_kind(path, "a string or an integer", value);
      return check_bounds(path, number_of(value), spec);
    case T::string_list: {
      if (!value.is_array()) wrong_kind(path, "an array of strings", value);
      const auto& array = value.get_array();
      for (size_t i = 0; i < array.size(); ++i) {
        if (!array[i].is_string()) wrong_kind(item(path, i), "a string", array[i]);
      }
      return;
    }
    case T::string_map:
      if (!value.is_object()) wrong_kind(path, "an object of strings", value);
      for (const auto& entry : value.get_object()) {
        if (!entry.value().is_string()) wrong_kind(child(path, entry.key()), "a string", entry.value());
      }
      return;
    case T::object:
      if (!value.is_object()) wrong_kind(path, "an object", value);
      return check_object(value.get_object(), *spec.shape, path);
    case T::object_list: {
      if (!value.is_array()) wrong_kind(path, "an array of objects", value);
      const auto& array = value.get_array();
      for (size_t i = 0; i < array.size(); ++i) {
        if (!array[i].is_object()) wrong_kind(item(path, i), "an object", array[i]);
        check_object(array[i].get_object(), *spec.shape, item(path, i));
      }
      return;
    }
  }
}

const FieldSpec* find_spec(const ObjectShape& shape, std::string_view key) {
  for (const FieldSpec& spec : shape.fields) {
    if (spec.name == key) return &spec;
  }
  return nullptr;
}

std::string key_names(const ObjectShape& shape) {
  std::string out;
  for (const FieldSpec& spec : shape.fields) out += (out.empty() ? "" : ", ") + std::string(spec.name);
  return out;
}

}  // namespace

const ObjectShape kRecipeShape{.fields = kRecipeFields};

void check_object(const boost::json::object& object, const ObjectShape& shape, const std::string& path) {
  for (const auto& entry : object) {
    const FieldSpec* spec = find_spec(shape, entry.key());
    const std::string key_path = child(path, entry.key());
    if (!spec) {
      if (path.empty()) {
        throw InvalidParameter(key_path, "unknown field '" + key_path + "'; see docs/control.md for the recipe fields");
      }
      std::string message = key_path + ": unknown key; " + path + " takes " + key_names(shape);
      if (!shape.note.empty()) message += " (" + std::string(shape.note) + ")";
      throw InvalidParameter(key_path, message);
    }
    if (!entry.value().is_null()) check_value(entry.value(), *spec, key_path);
  }
  for (const FieldSpec& spec : shape.fields) {
    const boost::json::value* value = object.if_contains(spec.name);
    if (spec.required && (!value || value->is_null())) {
      throw InvalidParameter(child(path, spec.name), child(path, spec.name) + " is missing");
    }
  }
  if (!shape.one_of.empty()) {
    size_t present = 0;
    for (std::string_view key : shape.one_of) present += json::find(object, key) != nullptr;
    if (present != 1) {
      throw InvalidParameter(path, path + ": needs exactly one of " + join(shape.one_of));
    }
  }
}

std::optional<int> read_port(const boost::json::value& value) {
  int64_t port = 0;
  if (value.is_string()) {
    std::string_view text = value.get_string();
    if (text.empty() || text.size() > 5) return std::nullopt;
    auto result = std::from_chars(text.data(), text.data() + text.size(), port);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
  } else if (is_integral(value)) {
    double number = number_of(value);
    if (number < 1 || number > 65'535) return std::nullopt;
    port = int64_t(number);
  } else {
    return std::nullopt;
  }
  if (port < 1 || port > 65'535) return std::nullopt;
  return int(port);
}

namespace {
bool is_alphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool is_dns_name(std::string_view name, size_t max_size, bool dots) {
  if (name.empty() || name.size() > max_size) return false;
  if (!is_alphanumeric(name.front()) || !is_alphanumeric(name.back())) return false;
  for (char c : name) {
    if (!is_alphanumeric(c) && c != '-' && !(dots && c == '.')) return false;
  }
  return true;
}
}  // namespace

bool is_dns_label(std::string_view name) { return is_dns_name(name, 63, false); }
bool is_dns_subdomain(std::string_view name) { return is_dns_name(name, 253, true); }

}  // namespace gatehouse::control
