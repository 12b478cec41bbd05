// One child process of the local executor: started with fork + execve (no shell) in its own process
// group, with stdin on /dev/null and stdout and stderr on one pipe the owner reads. The child gets
// SIGKILL when the thread that spawned it ends (PR_SET_PDEATHSIG), so it dies with the control
// plane even on kill -9; the owner must therefore spawn from a thread that outlives the child.
// It starts with default signal dispositions, an empty signal mask and no descriptor but 0, 1, 2.
// A ChildProcess owns its pid: it reaps it (waitpid on that pid only, never -1) and, if it is still
// running when the ChildProcess goes, kills its whole group first. Movable; not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/file.h"

namespace gatehouse::control {

struct SpawnSpec {
  std::filesystem::path program;         // run as given (no PATH search)
  std::vector<std::string> argv;         // argv[0] included
  std::vector<std::string> environment;  // "KEY=value", the child's whole environment
  std::filesystem::path working_directory;
};

class ChildProcess {
 public:
  // Throws Error naming the program when it cannot be run (missing, not executable, no such
  // working directory). Never puts the environment in a message.
  static ChildProcess spawn(const SpawnSpec& spec);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // The read end of the child's stdout and stderr (non-blocking); -1 once closed.
  int output_fd() const { return output_.get(); }
  void close_output() { output_ = files::UniqueFd(); }

  // The wait status once the child has exited, nullopt while it runs. When it has exited, the rest
  // of its process group is killed before the child is reaped, so nothing it started lingers.
  std::optional<int> try_wait();
  void signal_group(int signal) const;
  // SIGTERM to the group, up to `grace` for the child to exit, then SIGKILL; returns the status.
  int terminate(std::chrono::milliseconds grace);
  bool exited() const { return status_.has_value(); }

 private:
  ChildProcess(pid_t pid, files::UniqueFd output) : pid_(pid), output_(std::move(output)) {}
  void reap_group_and_child();

  pid_t pid_ = -1;
  files::UniqueFd output_;
  std::optional<int> status_;
};

// "exited with status 1", "was killed by signal 9 (Killed)".
std::string describe_wait_status(int status);

}  // namespace gatehouse::control
