#include "control/executors/local_workload.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/error.h"
#include "control/executors/local_command.h"
#include "control/executors/local_environment.h"
#include "control/executors/readiness_probe.h"

extern char** environ;

namespace gatehouse::control {
namespace {

using namespace std::chrono_literals;

constexpr size_t kErrorTailLines = 3;
constexpr auto kSupervisorTick = 50ms;  // how soon an exit is seen and a due restart made
// A replica that is not ready is probed this often, so that it takes traffic within one interval
// of its server answering. Kubernetes waits initial_delay_seconds before the first probe because a
// container may still be pulling its image or loading its model; a local probe costs one loopback
// connection, so probing starts at once and initial_delay_seconds is not used.
constexpr auto kStartingProbeInterval = 50ms;
constexpr auto kMaxStartingProbeTimeout = 1000ms;
// Once ready, the recipe's period_seconds and timeout_seconds, within these bounds.
constexpr auto kMinProbePeriod = 50ms;
constexpr auto kMaxProbePeriod = 10000ms;
constexpr auto kMaxProbeTimeout = 5000ms;
constexpr size_t kMinRedactedSecret = 4;  // shorter values would blank ordinary text

std::chrono::milliseconds from_seconds(double seconds) { return std::chrono::milliseconds(int64_t(seconds * 1000)); }

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : std::string(separator)) + part;
  return out;
}

std::string format_delay(std::chrono::milliseconds delay) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", double(delay.count()) / 1000);
  return text;
}

}  // namespace

LocalWorkload::LocalWorkload(Workload workload, const LocalExecutorOptions& options)
    : workload_(std::move(workload)),
      options_(options),
      workspace_(options.work_dir / workload_.uuid),
      log_(options.output_lines),
      wake_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  const int count = is_service() ? workload_.recipe.replicas : 1;
  for (int i = 0; i < count; ++i) {
    replicas_.push_back(std::make_unique<Replica>());
    replicas_.back()->id = std::to_string(i);
  }
  supervisor_ = std::thread([this] { supervise(); });
  if (is_service()) prober_ = std::thread([this] { probe_loop(); });
}

LocalWorkload::~LocalWorkload() { stop(); }

void LocalWorkload::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_prober_.notify_all();
  const uint64_t one = 1;
  ssize_t ignored = write(wake_.get(), &one, sizeof one);
  (void)ignored;
  if (prober_.joinable()) prober_.join();
  if (supervisor_.joinable()) supervisor_.join();
}

WorkloadStatus LocalWorkload::status() const {
  std::lock_guard lock(mutex_);
  WorkloadStatus status;
  status.desired_replicas = int(replicas_.size());
  for (const auto& replica : replicas_) {
    if (replica->ready) ++status.ready_replicas;
    status.replicas.push_back(ReplicaStatus{.id = replica->id,
                                            .state = replica->state,
                                            .restarts = replica->restarts,
                                            .address = replica->pid && replica->port ? "127.0.0.1:" + std::to_string(replica->port) : ""});
  }
  if (failed_) status.phase = WorkloadPhase::failed;
  else if (completed_) status.phase = WorkloadPhase::completed;
  else if (status.ready_replicas > 0) status.phase = WorkloadPhase::ready;
  status.last_error = last_error_;
  return status;
}

std::vector<ReplicaAddress> LocalWorkload::ready_replicas() const {
  std::lock_guard lock(mutex_);
  std::vector<ReplicaAddress> out;
  for (const auto& replica : replicas_) {
    if (replica->ready) out.push_back(ReplicaAddress{"127.0.0.1", replica->port});
  }
  return out;
}

void LocalWorkload::emit(const std::string& step, const std::string& status, const std::string& message) const {
  if (options_.events) options_.events(LifecycleEvent{workload_.uuid, step, status, message});
}

std::string LocalWorkload::redact(std::string text) const {
  for (const std::string& secret : secret_values_) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) text.replace(at, secret.size(), "***");
  }
  return text;
}

// The command line, environment and workspace the replicas share.
void LocalWorkload::prepare() {
  const Recipe& recipe = workload_.recipe;
  const LocalCommand command = local_command(recipe);
  std::filesystem::create_directories(options_.work_dir);
  if (mkdir(workspace_.c_str(), 0700) != 0 && errno != EEXIST) {
    throw Error(ErrorCode::internal, "cannot make the workspace " + workspace_.string() + ": " + std::strerror(errno));
  }
  chmod(workspace_.c_str(), 0700);
  const std::vector<Mount> mounts = local_mounts(recipe, workspace_);
  for (const Mount& mount : mounts) {
    if (mount.folder.string().starts_with(workspace_.string())) std::filesystem::create_directories(mount.folder);
  }
  std::vector<ContainerVariable> variables = container_environment(workload_);
  // Arguments see the recipe's plain variables only: a secret reference stays as written
  // (local_command refuses them; this keeps it so should one get through).
  auto plain = [&](std::string_view name) -> std::optional<std::string> {
    const ContainerVariable* variable = find_variable(variables, name);
    if (!variable || variable->secret) return std::nullopt;
    return variable->value.reveal();
  };
  for (const std::string& arg : command.args) args_.push_back(rewrite_mount_paths(expand_env_references(arg, plain), mounts));
  if (command.serves()) args_ = with_threads(args_, recipe.cpu_count);
  for (const auto& [name, unexpanded] : command.secret_variables) {
    std::string value = expand_env_references(unexpanded, [&](std::string_view referenced) -> std::optional<std::string> {
      const ContainerVariable* variable = find_variable(variables, referenced);
      return variable ? std::optional(variable->value.reveal()) : std::nullopt;
    });
    variables.push_back(ContainerVariable{name, SecretString(std::move(value)), true});
  }
  for (ContainerVariable& variable : variables) {
    if (variable.secret) {
      if (variable.value.reveal().size() >= kMinRedactedSecret) secret_values_.push_back(variable.value.reveal());
    } else {
      variable.value = SecretString(rewrite_mount_paths(variable.value.reveal(), mounts));
    }
  }
  environment_ = child_environment(environ, variables, workspace_);

  std::string line = "gatehouse " + join(args_, " ");
  if (!command.ignored_flags.empty()) line += " (accepted without effect here: " + join(command.ignored_flags, ", ") + ")";
  emit("Command", "initializing", line);
  emit("Deployment", "created", is_service() ? std::to_string(replicas_.size()) + (replicas_.size() == 1 ? " replica" : " replicas") + " starting"
                                   : "job starting");
}

void LocalWorkload::supervise() {
  try {
    prepare();
  } catch (const std::exception& error) {
    fail(error.what());
  }
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    for (const auto& replica : replicas_) {
      if (replica->process) {
        if (std::optional<int> status = replica->process->try_wait()) handle_exit(*replica, *status);
      }
      bool due;
      {
        std::lock_guard lock(mutex_);
        due = !failed_ && !completed_ && !stopping_ && !replica->process &&
              (replica->state == "starting" || replica->state == "restarting") && Clock::now() >= replica->next_start;
      }
      if (due) start_replica(*replica);
    }
    std::vector<pollfd> fds = {{wake_.get(), POLLIN, 0}};
    std::vector<Replica*> owners = {nullptr};
    for (const auto& replica : replicas_) {
      if (replica->process && replica->process->output_fd() >= 0) {
        fds.push_back({replica->process->output_fd(), POLLIN, 0});
        owners.push_back(replica.get());
      }
    }
    if (poll(fds.data(), fds.size(), int(kSupervisorTick.count())) <= 0) continue;
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents != 0) read_output(*owners[i], false);
    }
  }
  stop_replicas();
}

void LocalWorkload::start_replica(Replica& replica) {
  pid_t pid = 0;
  uint16_t port = 0;
  try {
    std::vector<std::string> argv = {"gatehouse"};
    if (is_service()) port = free_local_port();
    const std::vector<std::string> args = is_service() ? with_listen_address(args_, port) : args_;
    argv.insert(argv.end(), args.begin(), args.end());
    replica.output_before_run = log_.last_seq();
    replica.process.emplace(ChildProcess::spawn(SpawnSpec{options_.gatehouse_binary, argv, environment_, workspace_}));
    pid = replica.process->pid();
  } catch (const std::exception& error) {
    fail("replica " + replica.id + " could not start: " + error.what());
    return;
  }
  {
    std::lock_guard lock(mutex_);
    if (replica.run++ > 0) ++replica.restarts;
    replica.state = "starting";
    replica.pid = pid;
    replica.port = port;
    replica.ready = false;
    replica.failed_probes = 0;
    replica.ready_since.reset();
    replica.next_probe = Clock::now();
  }
  wake_prober_.notify_all();
  emit("Replica " + replica.id, "started", "pid " + std::to_string(pid) + (port ? ", port " + std::to_string(port) : ""));
}

void LocalWorkload::read_output(Replica& replica, bool until_end) {
  const auto append = [&](std::string_view line) { log_.append(replica.id, redact(std::string(line))); };
  char buffer[16384];
  // A bounded number of reads at a time, so that one chatty replica cannot starve the others.
  for (int reads = 0; until_end || reads < 16; ++reads) {
    const ssize_t got = read(replica.process->output_fd(), buffer, sizeof buffer);
    if (got > 0) {
      replica.splitter.feed(std::string_view(buffer, size_t(got)), append);
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    // End of output, or nothing more for now (after an exit: something it started kept the pipe).
    if (got == 0 || until_end) {
      replica.splitter.finish(append);
      replica.process->close_output();
    }
    return;
  }
}

void LocalWorkload::handle_exit(Replica& replica, int wait_status) {
  if (replica.process->output_fd() >= 0) read_output(replica, true);
  replica.process.reset();
  const std::string how = describe_wait_status(wait_status);
  const std::vector<std::string> tail = log_.tail_of(replica.id, kErrorTailLines, replica.output_before_run);
  const std::string error = "replica " + replica.id + " " + how + (tail.empty() ? " without writing anything" : ": " + join(tail, "\n"));
  const bool succeeded = WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
  std::string failure;
  std::optional<std::chrono::milliseconds> restart_in;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    const Clock::time_point now = Clock::now();
    if (replica.ready_since && now - *replica.ready_since >= options_.backoff_reset_after) replica.exits_in_a_row = 0;
    ++replica.exits_in_a_row;
    replica.exits_since_ready = replica.ready_since ? 0 : replica.exits_since_ready + 1;
    replica.pid = 0;
    replica.ready = false;
    replica.ready_since.reset();
    if (!succeeded) last_error_ = error;
    if (!is_service() && succeeded) {
      completed_ = true;
      replica.state = "completed";
    } else if (!is_service() && ++job_failures_ > options_.job_retries) {
      failure = error + (job_failures_ > 1 ? " (run " + std::to_string(job_failures_) + ", the last allowed)" : "");
      replica.state = "failed";
    } else if (is_service() && replica.exits_since_ready >= options_.crash_loop_exits) {
      failure = error + " (" + std::to_string(replica.exits_since_ready) + " exits in a row without becoming ready)";
      replica.state = "failed";
    } else {
      auto delay = options_.restart_delay;
      for (int i = 1; i < replica.exits_in_a_row && delay < options_.max_restart_delay; ++i) delay *= 2;
      restart_in = std::min(delay, options_.max_restart_delay);
      replica.state = "restarting";
      replica.next_start = now + *restart_in;
    }
  }
  if (succeeded && !is_service()) {
    emit("Job", "completed", "the run " + how);
  } else if (restart_in) {
    emit("Replica " + replica.id, "exited", how + "; restarting in " + format_delay(*restart_in));
  } else {
    emit("Replica " + replica.id, "exited", how);
    fail(failure);
  }
}

void LocalWorkload::fail(const std::string& error) {
  {
    std::lock_guard lock(mutex_);
    if (failed_) return;
    failed_ = true;
    last_error_ = redact(error);
  }
  emit("Monitor", "error", redact(error));
  stop_replicas();
}

void LocalWorkload::stop_replicas() {
  // SIGTERM to every replica at once, then one grace period for all of them.
  const Clock::time_point deadline = Clock::now() + options_.stop_grace;
  for (const auto& replica : replicas_) {
    if (replica->process) replica->process->signal_group(SIGTERM);
  }
  for (const auto& replica : replicas_) {
    if (!replica->process) continue;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    replica->process->terminate(std::max(left, std::chrono::milliseconds(1)));
    if (replica->process->output_fd() >= 0) read_output(*replica, true);
    replica->process.reset();
    std::lock_guard lock(mutex_);
    replica->pid = 0;
    replica->ready = false;
    if (replica->state != "failed" && replica->state != "completed") replica->state = "stopped";
  }
  // Replicas waiting to restart will not.
  std::lock_guard lock(mutex_);
  for (const auto& replica : replicas_) {
    if (replica->state == "restarting" || replica->state == "starting") replica->state = "stopped";
  }
}

void LocalWorkload::probe_loop() {
  const Probe probe = workload_.recipe.readiness_probe.value_or(Probe{});
  const auto period = std::clamp<std::chrono::milliseconds>(from_seconds(probe.period_seconds), kMinProbePeriod, kMaxProbePeriod);
  const auto timeout = std::clamp<std::chrono::milliseconds>(from_seconds(probe.timeout_seconds), 10ms, kMaxProbeTimeout);
  const int failure_threshold = std::max(1, probe.failure_threshold);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    Clock::time_point next = Clock::now() + 1s;
    for (const auto& replica : replicas_) {
      if (replica->pid && replica->port) next = std::min(next, replica->next_probe);
    }
    if (Clock::now() < next) {
      wake_prober_.wait_until(lock, next);
      continue;
    }
    for (const auto& replica : replicas_) {
      if (stopping_) break;
      if (!replica->pid || !replica->port || Clock::now() < replica->next_probe) continue;
      const uint64_t run = replica->run;
      const uint16_t port = replica->port;
      const bool was_ready = replica->ready;
      lock.unlock();
      const bool answered = probe_replica(probe, port, was_ready ? timeout : std::min(timeout, kMaxStartingProbeTimeout));
      lock.lock();
      if (replica->run != run || !replica->pid) continue;  // it exited (or restarted) meanwhile
      std::vector<LifecycleEvent> events;
      const std::string step = "Replica " + replica->id;
      if (answered) {
        replica->failed_probes = 0;
        if (!replica->ready) {
          replica->ready = true;
          replica->state = "ready";
          if (!replica->ready_since) replica->ready_since = Clock::now();
          replica->exits_since_ready = 0;
          events.push_back({workload_.uuid, step, "ready", "127.0.0.1:" + std::to_string(port)});
          const auto ready = std::count_if(replicas_.begin(), replicas_.end(), [](const auto& r) { return r->ready; });
          if (size_t(ready) == replicas_.size()) {
            events.push_back({workload_.uuid, "Monitor", "nominal", std::to_string(ready) + " of " + std::to_string(ready) + " replicas ready"});
          }
        }
      } else if (replica->ready && ++replica->failed_probes >= failure_threshold) {
        replica->ready = false;
        replica->state = "not ready";
        events.push_back({workload_.uuid, step, "not ready", std::to_string(replica->failed_probes) + " readiness probes failed in a row"});
      }
      replica->next_probe = Clock::now() + (replica->ready ? period : kStartingProbeInterval);
      if (!events.empty() && options_.events) {
        lock.unlock();
        for (const LifecycleEvent& event : events) options_.events(event);
        lock.lock();
      }
    }
  }
}

}  // namespace gatehouse::control
