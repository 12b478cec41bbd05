#include "control/executors/kubernetes_manifests.h"

#include <sodium.h>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "base/json.h"

namespace gatehouse::control {
namespace {

namespace bj = boost::json;

// A Service name is a DNS-1035 label (63 characters), and "recipe-" takes 7 of them.
constexpr size_t kMaxCanonicalName = 63 - 7;
// A secret's key becomes an environment variable; its copy's name must stay a DNS subdomain.
constexpr size_t kMaxObjectName = 253;
constexpr std::string_view kContainerRegistry = "container_registry";

// Probe timings are whole seconds in Kubernetes; a fraction rounds up, and each has a floor.
int64_t seconds(double value, int64_t floor) {
  return std::max<int64_t>(floor, static_cast<int64_t>(std::ceil(value)));
}

bj::object labels(const Workload& workload) {
  bj::object out{{kAppLabel, workload_object_name(workload)}};
  if (!workload.uuid.empty()) out[kUuidLabel] = workload.uuid;
  return out;
}

bj::object metadata(const Workload& workload, const KubernetesOptions& options, std::string name) {
  return {{"name", std::move(name)}, {"namespace", options.namespace_name}, {"labels", labels(workload)}};
}

// .dockerconfigjson of a container_registry secret (registry_server, username, password, email).
std::string docker_config(const ResolvedSecret& secret) {
  auto field = [&](const char* key) -> std::string {
    auto found = secret.data.find(key);
    if (found == secret.data.end()) {
      throw InvalidParameter("secrets", "secret '" + secret.name + "' (container_registry) has no '" + key + "'");
    }
    return found->second.reveal();
  };
  const std::string username = field("username"), password = field("password");
  bj::object entry{{"username", username}, {"password", password}, {"email", field("email")},
                   {"auth", secret_data_value(username + ":" + password)}};
  return json::serialize(bj::object{{"auths", bj::object{{field("registry_server"), std::move(entry)}}}});
}

bj::object secret_manifest(const Workload& workload, const KubernetesOptions& options, const ResolvedSecret& secret,
                           bool reveal) {
  const bool registry = secret.type == kContainerRegistry;
  bj::object data;
  if (registry) {
    data[".dockerconfigjson"] = reveal ? secret_data_value(docker_config(secret)) : std::string(kSecretPlaceholder);
  } else {
    for (const auto& [key, value] : secret.data) {
      data[key] = reveal ? secret_data_value(value.reveal()) : std::string(kSecretPlaceholder);
    }
  }
  bj::object meta = metadata(workload, options, secret_object_name(workload, secret.name));
  if (!reveal) {
    meta["annotations"] = bj::object{{kWithheldAnnotation, "withheld: the control plane sends them when it applies"}};
  }
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", std::move(meta)},
          {"type", registry ? "kubernetes.io/dockerconfigjson" : "Opaque"},
          {"data", std::move(data)}};
}

// Startup and liveness probes must have successThreshold 1 (Kubernetes refuses any other value).
bj::object probe_manifest(const Probe& probe, bool any_success_threshold) {
  bj::object out;
  if (probe.scheme == "TCP") {
    out["tcpSocket"] = bj::object{{"port", probe.port}};
  } else {
    out["httpGet"] = bj::object{{"path", probe.endpoint_path}, {"port", probe.port}, {"scheme", probe.scheme}};
  }
  out["initialDelaySeconds"] = seconds(probe.initial_delay_seconds, 0);
  out["periodSeconds"] = seconds(probe.period_seconds, 1);
  out["timeoutSeconds"] = seconds(probe.timeout_seconds, 1);
  out["failureThreshold"] = std::max(1, probe.failure_threshold);
  out["successThreshold"] = any_success_threshold ? std::max(1, probe.success_threshold) : 1;
  return out;
}

bj::array string_array(const std::vector<std::string>& items) {
  bj::array out;
  for (const std::string& item : items) out.emplace_back(item);
  return out;
}

struct Volumes {
  bj::array volumes;
  bj::array mounts;
};

// The /dev/shm emptyDir and the local_filesystem hostPath mounts.
Volumes volumes(const Recipe& recipe) {
  Volumes out;
  if (recipe.shared_memory_mb) {
    out.volumes.push_back(bj::object{
        {"name", "dshm"},
        {"emptyDir", bj::object{{"medium", "Memory"}, {"sizeLimit", std::to_string(*recipe.shared_memory_mb) + "Mi"}}}});
    out.mounts.push_back(bj::object{{"name", "dshm"}, {"mountPath", "/dev/shm"}});
  }
  if (const bj::value* local = json::find(recipe.raw, "local_filesystem")) {
    const json::JsonPath path = json::JsonPath("recipe") / "local_filesystem";
    const bj::array& entries = json::as_array(*local, path);
    for (size_t i = 0; i < entries.size(); ++i) {
      const bj::object& entry = json::as_object(entries[i], path[i]);
      std::string name = "local-fs-" + std::to_string(i);
      std::string node_path(json::as_string(json::require(entry, "node_directory_path", path[i]), path[i] / "node_directory_path"));
      std::string mount(json::as_string(json::require(entry, "mount_location", path[i]), path[i] / "mount_location"));
      out.volumes.push_back(bj::object{{"name", name}, {"hostPath", bj::object{{"path", std::move(node_path)}}}});
      out.mounts.push_back(bj::object{{"name", std::move(name)}, {"mountPath", std::move(mount)}});
    }
  }
  return out;
}

bj::object resources(const Recipe& recipe) {
  bj::object amounts;  // requests = limits
  if (recipe.cpu_count) amounts["cpu"] = std::to_string(*recipe.cpu_count);
  if (recipe.memory_gb) amounts["memory"] = std::to_string(*recipe.memory_gb) + "Gi";
  if (recipe.ephemeral_storage_gb) amounts["ephemeral-storage"] = std::to_string(*recipe.ephemeral_storage_gb) + "Gi";
  bj::object limits = amounts;
  if (recipe.nvidia_gpu_count) limits["nvidia.com/gpu"] = std::to_string(*recipe.nvidia_gpu_count);
  if (recipe.amd_gpu_count) limits["amd.com/gpu"] = std::to_string(*recipe.amd_gpu_count);
  bj::object out;
  if (!amounts.empty()) out["requests"] = std::move(amounts);
  if (!limits.empty()) out["limits"] = std::move(limits);
  return out;
}

bj::object container(const Workload& workload, const Volumes& mounts) {
  const Recipe& recipe = workload.recipe;
  bj::object out{{"name", workload.canonical_name}, {"image", recipe.image_uri}};
  // Kubernetes expands $(VAR) in command and args itself, so both pass through as written.
  if (recipe.command_use_shell && !recipe.command.empty()) {
    std::string line;
    for (const std::string& word : recipe.command) line += (line.empty() ? "" : " ") + word;
    for (const std::string& word : recipe.args) line += " " + word;
    out["command"] = bj::array{"/bin/sh", "-c", line};
  } else {
    if (!recipe.command.empty()) out["command"] = string_array(recipe.command);
    if (!recipe.args.empty()) out["args"] = string_array(recipe.args);
  }
  bj::array env;
  for (const EnvVar& var : recipe.env) env.push_back(bj::object{{"name", var.key}, {"value", var.value}});
  for (const EnvSecret& var : recipe.env_secrets) {
    bj::object ref{{"name", secret_object_name(workload, var.secret_name)}, {"key", var.secret_key}};
    env.push_back(bj::object{{"name", var.envvar_name}, {"valueFrom", bj::object{{"secretKeyRef", std::move(ref)}}}});
  }
  if (!env.empty()) out["env"] = std::move(env);
  out["ports"] = bj::array{bj::object{{"name", "http"}, {"containerPort", recipe.container_port}, {"protocol", "TCP"}}};
  if (recipe.mode == RecipeMode::service) {
    if (recipe.startup_probe) out["startupProbe"] = probe_manifest(*recipe.startup_probe, false);
    if (recipe.liveness_probe) out["livenessProbe"] = probe_manifest(*recipe.liveness_probe, false);
    if (recipe.readiness_probe) out["readinessProbe"] = probe_manifest(*recipe.readiness_probe, true);
  }
  if (bj::object amounts = resources(recipe); !amounts.empty()) out["resources"] = std::move(amounts);
  if (!mounts.mounts.empty()) out["volumeMounts"] = mounts.mounts;
  return out;
}

bj::object prometheus_annotations(const Recipe& recipe) {
  return {{"prometheus.io/scrape", "true"},
          {"prometheus.io/port", std::to_string(recipe.container_port)},
          {"prometheus.io/path", "/metrics"}};
}

bj::object pod_template(const Workload& workload, bool job) {
  const Recipe& recipe = workload.recipe;
  Volumes mounts = volumes(recipe);
  bj::object spec{{"containers", bj::array{container(workload, mounts)}}};
  if (job) spec["restartPolicy"] = "Never";  // a failed run is a new pod, so its logs stay readable
  if (!mounts.volumes.empty()) spec["volumes"] = std::move(mounts.volumes);
  if (recipe.container_secret_name) {
    spec["imagePullSecrets"] = bj::array{bj::object{{"name", secret_object_name(workload, *recipe.container_secret_name)}}};
  }
  bj::object meta{{"labels", labels(workload)}};
  if (recipe.prometheus_enabled && !job) meta["annotations"] = prometheus_annotations(recipe);
  return {{"metadata", std::move(meta)}, {"spec", std::move(spec)}};
}

bj::object workload_manifest(const Workload& workload, const KubernetesOptions& options) {
  const std::string name = workload_object_name(workload);
  if (workload.recipe.mode == RecipeMode::job) {
    return {{"apiVersion", "batch/v1"},
            {"kind", "Job"},
            {"metadata", metadata(workload, options, name)},
            {"spec", bj::object{{"backoffLimit", 2}, {"template", pod_template(workload, true)}}}};
  }
  bj::object spec{{"replicas", workload.recipe.replicas},
                  {"selector", bj::object{{"matchLabels", bj::object{{kAppLabel, name}}}}},
                  {"template", pod_template(workload, false)}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", metadata(workload, options, name)},
          {"spec", std::move(spec)}};
}

bj::object service_manifest(const Workload& workload, const KubernetesOptions& options) {
  bj::object meta = metadata(workload, options, workload_object_name(workload));
  if (workload.recipe.prometheus_enabled) meta["annotations"] = prometheus_annotations(workload.recipe);
  bj::object port{{"name", "http"}, {"port", workload.recipe.host_port}, {"targetPort", workload.recipe.container_port},
                  {"protocol", "TCP"}};
  bj::object spec{{"type", "ClusterIP"},
                  {"selector", bj::object{{kAppLabel, workload_object_name(workload)}}},
                  {"ports", bj::array{std::move(port)}}};
  return {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", std::move(meta)}, {"spec", std::move(spec)}};
}

std::string ingress_host(const Workload& workload, const KubernetesOptions& options) {
  if (workload.recipe.service_endpoint_domain) return *workload.recipe.service_endpoint_domain;
  if (!workload.public_host.empty()) return workload.public_host;
  if (!options.base_domain.empty()) return workload.canonical_name + "." + options.base_domain;
  return {};
}

bj::object ingress_manifest(const Workload& workload, const KubernetesOptions& options) {
  bj::object meta = metadata(workload, options, workload_object_name(workload) + "-ingress");
  // Model servers stream tokens (server-sent events) and take large prompts: no buffering, long reads.
  meta["annotations"] = bj::object{{"nginx.ingress.kubernetes.io/proxy-buffering", "off"},
                                   {"nginx.ingress.kubernetes.io/proxy-read-timeout", "3600"},
                                   {"nginx.ingress.kubernetes.io/proxy-body-size", "64m"}};
  bj::object backend{
      {"service", bj::object{{"name", workload_object_name(workload)},
                             {"port", bj::object{{"number", workload.recipe.host_port}}}}}};
  bj::object rule{{"http", bj::object{{"paths", bj::array{bj::object{
                                                    {"path", "/"}, {"pathType", "Prefix"}, {"backend", std::move(backend)}}}}}}};
  if (std::string host = ingress_host(workload, options); !host.empty()) {
    bj::object with_host{{"host", std::move(host)}};
    with_host["http"] = std::move(rule["http"]);
    rule = std::move(with_host);
  }
  bj::object spec{{"ingressClassName", "nginx"}, {"rules", bj::array{std::move(rule)}}};
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata", std::move(meta)},
          {"spec", std::move(spec)}};
}

void check_canonical_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxCanonicalName) {
    throw InvalidParameter("deployment_name", "'" + name + "' must be 1 to " + std::to_string(kMaxCanonicalName) +
                                                  " characters: Kubernetes names the Service recipe-<name> "
                                                  "in at most 63; choose a shorter deployment_name");
  }
}

std::vector<bj::object> manifests(const Workload& workload, const KubernetesOptions& options, bool reveal) {
  check_canonical_name(workload.canonical_name);
  check_kubernetes_recipe(workload.recipe);
  const Recipe& recipe = workload.recipe;
  std::vector<bj::object> out;
  for (const ResolvedSecret& secret : workload.secrets) out.push_back(secret_manifest(workload, options, secret, reveal));
  out.push_back(workload_manifest(workload, options));
  if (recipe.mode == RecipeMode::service) {
    out.push_back(service_manifest(workload, options));
    out.push_back(ingress_manifest(workload, options));
  }
  return out;
}

}  // namespace

std::string secret_data_value(std::string_view bytes) {
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  text.resize(text.size() - 1);  // the terminating NUL
  return text;
}

void check_kubernetes_recipe(const Recipe& recipe) {
  if (recipe.mode != RecipeMode::service && recipe.mode != RecipeMode::job) {
    throw InvalidParameter("recipe_mode", "the Kubernetes executor runs 'service' and 'job' recipes, not '" +
                                              std::string(recipe_mode_name(recipe.mode)) + "'");
  }
  if (recipe.image_uri.empty()) {
    throw InvalidParameter("recipe_image_uri", "the Kubernetes executor needs recipe_image_uri: the image to run");
  }
  check_canonical_name(slug(recipe.deployment_name));
}

std::string workload_object_name(const Workload& workload) { return "recipe-" + workload.canonical_name; }

std::string secret_object_name(const Workload& workload, std::string_view secret_name) {
  std::string name = workload_object_name(workload) + "-" + std::string(secret_name);
  if (name.size() > kMaxObjectName) {
    throw InvalidParameter("secrets", "secret name '" + std::string(secret_name) + "' is too long for Kubernetes");
  }
  return name;
}

std::vector<bj::object> render_manifests(const Workload& workload, const KubernetesOptions& options) {
  return manifests(workload, options, false);
}

SecretString apply_document(const Workload& workload, const KubernetesOptions& options) {
  return SecretString(json::serialize(object_list(manifests(workload, options, true))));
}

bj::object object_list(std::vector<bj::object> items) {
  bj::array array;
  for (bj::object& item : items) array.emplace_back(std::move(item));
  return {{"apiVersion", "v1"}, {"kind", "List"}, {"items", std::move(array)}};
}

}  // namespace gatehouse::control
