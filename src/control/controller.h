// Turns recorded deployments into running workloads and back. POST /deployment/ records a
// deployment as `scheduled`; the controller's thread commissions it on the executor once the
// members it depends on are up (`active`), follows the executor (`monitoring` for a ready service,
// `completed` or `failed`), and stops it on undeploy (directive `decommission`). On start it brings
// back every commissioned deployment that had not finished. The Store is the one source of truth;
// the controller keeps only which workloads it has started. Thread-safe.
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <optional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "control/executor.h"
#include "control/store.h"

namespace gatehouse::control {

struct ControllerOptions {
  std::string public_base;  // ingress host base: "<canonical>.<public_base>" ("127-0-0-1.nip.io")
  // How processes on this machine reach the ingress ("http://127.0.0.1:8080"): group exports of a
  // local deployment point there, under /deployments/<canonical>.
  std::string local_url;
  std::chrono::milliseconds poll_interval{50};  // how often running workloads are looked at
  // Called after each pass with every deployment as it stands (the ingress rebuilds its table).
  std::function<void(const std::vector<DeploymentRecord>&)> on_reconciled;
};

// What POST /deployment/ created: one deployment, or a group's members.
struct Deployed {
  std::vector<DeploymentRecord> deployments;
  std::optional<GroupRecord> group;
};

class Controller {
 public:
  Controller(Store& store, Executor& executor, ControllerOptions options);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Starts the reconciling thread; commissioned deployments come back.
  void start();

  // A recipe or a {"deployment_group": ...} body. Throws InvalidParameter naming the field (a
  // group member's as "deployment_group.deployments[1].recipe.<field>") for recipes that cannot
  // run here, secrets that do not exist, and names already in use.
  Deployed deploy(const boost::json::value& body);
  // Throws Error(not_found) for an unknown or already decommissioned uuid or group.
  DeploymentRecord undeploy(const std::string& uuid);
  std::vector<DeploymentRecord> undeploy_group(const std::string& group_id);

  // The sink the executor reports lifecycle steps to: they go to the log, and wake the thread.
  void record_event(const LifecycleEvent& event);

  Executor& executor() { return executor_; }
  const ControllerOptions& options() const { return options_; }

 private:
  DeploymentRecord record_for(const Recipe& recipe, const std::string& name, const std::string& recipe_json) const;
  void check_runnable(const Recipe& recipe, const std::string& field_prefix) const;
  void run();
  void reconcile();
  void reconcile_one(const DeploymentRecord& record, const std::vector<DeploymentRecord>& all);
  void commission(const DeploymentRecord& record, const std::vector<DeploymentRecord>& all);
  void decommission(const DeploymentRecord& record);
  std::optional<std::string> export_value(const DeploymentRecord& member, std::string_view name) const;
  void set_status(const DeploymentRecord& record, const std::string& status, const std::string& error = "");

  Store& store_;
  Executor& executor_;
  ControllerOptions options_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool dirty_ = true;
  std::set<std::string> started_;  // uuids handed to the executor by this process
  std::set<std::string> to_stop_;  // undeployed, not yet stopped
  std::thread thread_;
};

}  // namespace gatehouse::control
