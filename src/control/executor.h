// What runs deployments: the control plane hands an Executor a Workload (a checked recipe with its
// identity and its secrets resolved) and asks it for status, output and, for executors whose
// replicas this process can reach, the addresses the ingress sends traffic to. Implementations:
// executors/local_executor.h (child processes) and executors/kubernetes_executor.h (kubectl).
// Implementations are thread-safe: the API, the reconciler and the ingress call them concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/secret_string.h"
#include "control/recipe.h"

namespace gatehouse::control {

// A secret from the vault, decrypted, as a workload needs it (Kubernetes creates it in the cluster;
// the local executor only reads the keys named by recipe_environment_secrets).
struct ResolvedSecret {
  std::string name;
  std::string type;  // "opaque" or "container_registry"
  std::map<std::string, SecretString> data;
};

struct Workload {
  std::string uuid;            // 32 lower-case hex digits
  std::string canonical_name;  // DNS label: slug(deployment_name), "-<group>" for group members
  std::string public_host;     // the ingress host, "<canonical_name>.<base>"
  Recipe recipe;
  // Every secret the recipe names (recipe_environment_secrets, recipe_container_secret_name).
  std::vector<ResolvedSecret> secrets;
};

enum class WorkloadPhase {
  starting,   // commissioned, no replica ready yet (or a job not finished)
  ready,      // a service with at least one replica ready
  completed,  // a job whose run exited 0
  failed,     // a job that failed, or a service that crash-looped; last_error says why
};

struct ReplicaStatus {
  std::string id;     // "0", "1", ... (local) or the pod name
  std::string state;  // "starting", "ready", "restarting", "exited", "failed", ...
  int restarts = 0;
  std::string address;  // "127.0.0.1:40123" when it listens; empty otherwise
};

struct WorkloadStatus {
  WorkloadPhase phase = WorkloadPhase::starting;
  int desired_replicas = 0;
  int ready_replicas = 0;
  std::string last_error;  // empty unless something went wrong; never holds a secret value
  std::vector<ReplicaStatus> replicas;
};

struct ReplicaAddress {
  std::string host;
  uint16_t port = 0;
};

// One line a replica wrote (stdout or stderr), numbered so a follower can ask for what came after.
struct OutputLine {
  uint64_t seq = 0;
  std::string replica;  // ReplicaStatus::id
  std::string text;
};

// A lifecycle step for /deployment_logs/ ("Deployment", "created", "2 replicas starting").
struct LifecycleEvent {
  std::string uuid;
  std::string step;
  std::string status;
  std::string message;
};
using EventSink = std::function<void(const LifecycleEvent&)>;

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string_view name() const = 0;  // "local" or "kubernetes"

  // Throws InvalidParameter (naming the field) when this executor cannot run the recipe.
  virtual void check(const Recipe& recipe) const = 0;
  // Starts the workload (or brings it back after the control plane restarted) and returns at once;
  // progress is reported through status() and the EventSink the executor was built with.
  virtual void start(const Workload& workload) = 0;
  // Stops and removes everything the workload made; returns when it is gone. Unknown uuids are a no-op.
  virtual void stop(const std::string& uuid) = 0;
  // Throws Error(not_found) for a uuid never started.
  virtual WorkloadStatus status(const std::string& uuid) const = 0;
  // Replicas ready to take traffic that this process can reach (empty for Kubernetes, whose own
  // Ingress serves the public host).
  virtual std::vector<ReplicaAddress> ready_replicas(const std::string& uuid) const = 0;
  // Output lines numbered above `after_seq`, at most the last `tail` of them.
  virtual std::vector<OutputLine> output(const std::string& uuid, uint64_t after_seq, size_t tail) const = 0;
  // The fields of the recipe this executor does not act on, for the digest: the OCI-only ones and
  // those it has no equivalent for.
  virtual std::vector<std::string> unapplied_fields(const Recipe& recipe) const = 0;
};

// recipe.oci_only_fields, then those of `ignored` that the recipe holds.
std::vector<std::string> unapplied_fields(const Recipe& recipe, std::initializer_list<std::string_view> ignored);

}  // namespace gatehouse::control
