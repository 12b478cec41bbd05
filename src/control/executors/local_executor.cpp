#include "control/executors/local_executor.h"

#include "base/error.h"
#include "control/executors/local_command.h"
#include "control/executors/local_workload.h"

namespace gatehouse::control {
namespace {

// Each replica is a model server with its own memory and threads; more than this on one machine is
// a mistake in the recipe rather than a plan.
constexpr int kMaxReplicas = 64;

}  // namespace

LocalExecutor::LocalExecutor(LocalExecutorOptions options) : options_(std::move(options)) {}

LocalExecutor::~LocalExecutor() {
  std::map<std::string, std::shared_ptr<LocalWorkload>> workloads;
  {
    std::lock_guard lock(mutex_);
    workloads.swap(workloads_);
  }
  for (auto& [uuid, workload] : workloads) workload->stop();
}

void LocalExecutor::check(const Recipe& recipe) const {
  local_command(recipe);
  if (recipe.mode == RecipeMode::service && (recipe.replicas < 1 || recipe.replicas > kMaxReplicas)) {
    throw InvalidParameter("recipe_replica_count", "the local executor runs 1 to " + std::to_string(kMaxReplicas) +
                                                       " replicas of a service, not " + std::to_string(recipe.replicas));
  }
}

void LocalExecutor::start(const Workload& workload) {
  check(workload.recipe);
  std::lock_guard lock(mutex_);
  if (workloads_.contains(workload.uuid)) return;
  workloads_.emplace(workload.uuid, std::make_shared<LocalWorkload>(workload, options_));
}

void LocalExecutor::stop(const std::string& uuid) {
  std::shared_ptr<LocalWorkload> workload;
  {
    std::lock_guard lock(mutex_);
    auto found = workloads_.find(uuid);
    if (found == workloads_.end()) return;
    workload = std::move(found->second);
    workloads_.erase(found);
  }
  workload->stop();
  std::error_code ignored;  // a workspace already gone is what stop wants
  std::filesystem::remove_all(workload->workspace(), ignored);
}

std::shared_ptr<LocalWorkload> LocalExecutor::find_or_null(const std::string& uuid) const {
  std::lock_guard lock(mutex_);
  auto found = workloads_.find(uuid);
  return found == workloads_.end() ? nullptr : found->second;
}

WorkloadStatus LocalExecutor::status(const std::string& uuid) const {
  std::shared_ptr<LocalWorkload> workload = find_or_null(uuid);
  if (!workload) throw Error(ErrorCode::not_found, "no local deployment " + uuid);
  return workload->status();
}

std::vector<ReplicaAddress> LocalExecutor::ready_replicas(const std::string& uuid) const {
  std::shared_ptr<LocalWorkload> workload = find_or_null(uuid);
  return workload ? workload->ready_replicas() : std::vector<ReplicaAddress>{};
}

std::vector<OutputLine> LocalExecutor::output(const std::string& uuid, uint64_t after_seq, size_t tail) const {
  std::shared_ptr<LocalWorkload> workload = find_or_null(uuid);
  return workload ? workload->output(after_seq, tail) : std::vector<OutputLine>{};
}

// Local processes have no cluster around them: no image pulls, GPUs, memory or storage limits,
// volumes other than host folders, autoscaler, Prometheus or per-deployment ingress settings; and
// only the readiness probe decides anything (a replica that dies is restarted anyway).
std::vector<std::string> LocalExecutor::unapplied_fields(const Recipe& recipe) const {
  return control::unapplied_fields(
      recipe, {"recipe_container_secret_name", "recipe_host_port", "recipe_additional_ingress_ports",
               "recipe_container_memory_size", "recipe_nvidia_gpu_count", "recipe_amd_gpu_count",
               "recipe_ephemeral_storage_size", "recipe_shared_memory_volume_size_limit_in_mb",
               "recipe_prometheus_enabled", "recipe_node_selector_arch", "recipe_startup_probe_params",
               "recipe_liveness_probe_params", "recipe_pod_autoscaling_params", "recipe_secret_mounts",
               "recipe_configmaps", "pvcs", "recipe_storage_group_id", "recipe_additional_ingress_annotations",
               "service_endpoint_subdomain", "recipe_disable_ingress"});
}

}  // namespace gatehouse::control
