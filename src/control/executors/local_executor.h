// The local executor: runs each deployment as child processes of the control plane, the gatehouse
// binary itself with the command line the recipe's image stands for (local_command.h), in a
// workspace folder per deployment (<work_dir>/<uuid>, mode 0700), with the environment and mount
// rules of local_environment.h. A service runs recipe_replica_count replicas, each on a free
// loopback port, taking traffic while its readiness probe passes; a job runs once (retried up to
// job_retries times). Replicas that exit are restarted with exponential backoff; a crash loop or a
// failed job ends the workload in `failed` with the tail of its output in last_error. Children die
// with the control plane, even on kill -9 (child_process.h).
//
// The executor owns one LocalWorkload (local_workload.h) per started uuid, each with its own
// supervisor and prober threads. Thread-safe: every method may be called from any thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "control/executor.h"

namespace gatehouse::control {

struct LocalExecutorOptions {
  std::filesystem::path gatehouse_binary;  // the program replicas run: the control plane's own /proc/self/exe
  std::filesystem::path work_dir;          // <data_dir>/deployments: one workspace folder per deployment
  EventSink events;                        // lifecycle steps; may be empty. Called from supervisor threads.
  std::chrono::milliseconds restart_delay{500};      // the first restart's delay, doubling after each exit...
  std::chrono::milliseconds max_restart_delay{30000};  // ...up to this
  std::chrono::milliseconds backoff_reset_after{60000};  // a run ready this long starts the doubling afresh
  int crash_loop_exits = 3;  // a service replica that exits this many times in a row without becoming ready fails the workload
  int job_retries = 2;       // runs of a job after the first one fails (Kubernetes' backoffLimit; 6 there)
  std::chrono::milliseconds stop_grace{5000};  // SIGTERM to SIGKILL
  size_t output_lines = 5000;                  // lines of output kept per deployment
};

class LocalWorkload;

class LocalExecutor : public Executor {
 public:
  explicit LocalExecutor(LocalExecutorOptions options);
  ~LocalExecutor() override;  // stops every workload (their workspaces stay, for the next start)
  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  std::string_view name() const override { return "local"; }
  void check(const Recipe& recipe) const override;
  // A uuid already running is left as it is: stop it first to run it anew.
  void start(const Workload& workload) override;
  // Stops the replicas (SIGTERM, then SIGKILL after stop_grace) and removes the workspace.
  void stop(const std::string& uuid) override;
  WorkloadStatus status(const std::string& uuid) const override;
  // Empty for an unknown uuid.
  std::vector<ReplicaAddress> ready_replicas(const std::string& uuid) const override;
  std::vector<OutputLine> output(const std::string& uuid, uint64_t after_seq, size_t tail) const override;
  std::vector<std::string> unapplied_fields(const Recipe& recipe) const override;

 private:
  std::shared_ptr<LocalWorkload> find_or_null(const std::string& uuid) const;

  const LocalExecutorOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<LocalWorkload>> workloads_;
};

}  // namespace gatehouse::control
