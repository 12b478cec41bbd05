// One deployment under the local executor: its replicas' processes, output and readiness. Two
// threads per workload: the supervisor spawns, reaps, restarts and stops the replicas and reads
// their output (children are tied to the thread that spawned them, so only it spawns); the prober
// checks readiness. Both start in the constructor and end in stop() (or the destructor), which
// returns once every replica is gone. The state the API reads is guarded by one mutex; events are
// sent without holding it. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "control/executor.h"
#include "control/executors/child_process.h"
#include "control/executors/local_executor.h"
#include "control/executors/output_log.h"

namespace gatehouse::control {

class LocalWorkload {
 public:
  LocalWorkload(Workload workload, const LocalExecutorOptions& options);
  ~LocalWorkload();
  LocalWorkload(const LocalWorkload&) = delete;
  LocalWorkload& operator=(const LocalWorkload&) = delete;

  void stop();  // idempotent
  WorkloadStatus status() const;
  std::vector<ReplicaAddress> ready_replicas() const;
  std::vector<OutputLine> output(uint64_t after_seq, size_t tail) const { return log_.lines(after_seq, tail); }
  const std::filesystem::path& workspace() const { return workspace_; }

 private:
  using Clock = std::chrono::steady_clock;

  struct Replica {
    std::string id;
    // The supervisor's alone.
    std::optional<ChildProcess> process;
    LineSplitter splitter{8192};  // bytes per line at most
    uint64_t output_before_run = 0;  // the log's last line when this run started
    // Guarded by mutex_.
    std::string state = "starting";
    pid_t pid = 0;
    uint16_t port = 0;
    uint64_t run = 0;  // counts starts, so that a probe of an earlier run is not applied to this one
    bool ready = false;
    int restarts = 0;
    int failed_probes = 0;
    int exits_in_a_row = 0;        // sets the restart delay
    int exits_since_ready = 0;     // a crash loop at options.crash_loop_exits
    std::optional<Clock::time_point> ready_since;
    Clock::time_point next_start;  // while state == "restarting"
    Clock::time_point next_probe;
  };

  void supervise();
  void prepare();
  void start_replica(Replica& replica);
  void handle_exit(Replica& replica, int wait_status);
  void read_output(Replica& replica, bool until_end);
  void fail(const std::string& error);  // called without mutex_ held
  void stop_replicas();

  void probe_loop();

  void emit(const std::string& step, const std::string& status, const std::string& message) const;
  std::string redact(std::string text) const;
  bool is_service() const { return workload_.recipe.mode == RecipeMode::service; }

  const Workload workload_;
  const LocalExecutorOptions options_;
  const std::filesystem::path workspace_;
  OutputLog log_;
  files::UniqueFd wake_;  // an eventfd that stop() writes to wake the supervisor's poll

  // Prepared by the supervisor before the first start; read only by it.
  std::vector<std::string> args_;
  std::vector<std::string> environment_;
  std::vector<std::string> secret_values_;  // redacted from output

  mutable std::mutex mutex_;
  std::condition_variable wake_prober_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  bool stopping_ = false;
  bool failed_ = false;
  bool completed_ = false;
  int job_failures_ = 0;
  std::string last_error_;

  std::thread supervisor_;
  std::thread prober_;
};

}  // namespace gatehouse::control
