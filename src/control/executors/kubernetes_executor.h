// The executor for clusters: a workload's manifests (kubernetes_manifests.h) are applied with
// `kubectl apply --server-side` to the current (or a named) context, and its status, output and
// removal come from kubectl too. kubectl runs as a child process without a shell; the manifests,
// Secret values included, reach it only on stdin, never in its argv, a file or a log line, and an
// error quotes kubectl's stderr with every value of the workload's secrets struck out.
//
// The executor remembers which uuid is which object (start() records it, also when it brings a
// workload back after a restart); stop() selects by the uuid label, so it also removes what an
// earlier run of the control plane left. Thread-safe: calls may overlap, each runs its own kubectl.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "control/executor.h"
#include "control/executors/kubernetes_manifests.h"

namespace gatehouse::control {

struct KubernetesExecutorOptions {
  // The kubectl binary: empty means $GATEHOUSE_KUBECTL, or "kubectl" on PATH when that is unset.
  std::string kubectl;
  std::optional<std::string> context;  // --context; the current context when unset
  KubernetesOptions manifests;         // namespace and ingress base domain
  std::chrono::seconds command_timeout{120};  // per kubectl run (delete --wait waits for pods to go)
  EventSink events;                    // may be empty
};

class KubernetesExecutor : public Executor {
 public:
  explicit KubernetesExecutor(KubernetesExecutorOptions options);

  std::string_view name() const override { return "kubernetes"; }
  void check(const Recipe& recipe) const override;
  // Applies the manifests; throws Error(unavailable) with kubectl's (scrubbed) stderr when it fails.
  void start(const Workload& workload) override;
  void stop(const std::string& uuid) override;
  WorkloadStatus status(const std::string& uuid) const override;
  // Always empty: the cluster's Ingress serves the public host.
  std::vector<ReplicaAddress> ready_replicas(const std::string& uuid) const override;
  // The pods' log lines (kubectl logs --timestamps), numbered by their time in nanoseconds.
  std::vector<OutputLine> output(const std::string& uuid, uint64_t after_seq, size_t tail) const override;
  std::vector<std::string> unapplied_fields(const Recipe& recipe) const override;

 private:
  struct Known {
    std::string object_name;  // recipe-<canonical>
    RecipeMode mode;
  };

  Known known(const std::string& uuid) const;
  std::vector<std::string> command(std::vector<std::string> args) const;
  void emit(const std::string& uuid, const std::string& step, const std::string& status,
            const std::string& message) const;

  KubernetesExecutorOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, Known> workloads_;  // by uuid; guarded by mutex_
};

// What WorkloadStatus a `kubectl get deployments|jobs,pods -o json` List says about one workload
// (exposed for tests). Deployment: desired/ready replicas, failed when its Progressing condition
// says the deadline passed; Job: completed or failed from its conditions; pods: each a
// ReplicaStatus, and a container waiting for a reason that needs a person (CrashLoopBackOff,
// ImagePullBackOff, ...) or a failed run's reason in last_error.
WorkloadStatus parse_workload_status(const boost::json::value& list, const std::string& object_name, RecipeMode mode);

}  // namespace gatehouse::control
