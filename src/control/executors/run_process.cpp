#include "control/executors/run_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/error.h"
#include "base/file.h"
#include "control/executors/local_environment.h"

extern char** environ;

namespace gatehouse::control {
namespace {

struct Pipe {
  files::UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw Error(ErrorCode::unavailable, std::string("pipe: ") + std::strerror(errno));
  return {files::UniqueFd(fds[0]), files::UniqueFd(fds[1])};
}

// SIGPIPE is blocked in this thread while it writes to the child's stdin (a child that exits early
// makes write() fail with EPIPE instead of killing us); a pending one is consumed before unblocking.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlock() {
    const timespec zero{};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_, old_;
};

pid_t spawn(const std::vector<std::string>& argv, const Pipe& in, const Pipe& out, const Pipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
  // Nothing else of the control plane's: not its sockets (Asio's are not close-on-exec) ...
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, pipe_default;
  sigemptyset(&none);
  sigemptyset(&pipe_default);
  sigaddset(&pipe_default, SIGPIPE);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &pipe_default);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // ... nor its own secrets (the master key, the admin password, a Hub token).
  std::vector<char*> environment;
  for (char** variable = environ; *variable; ++variable) {
    const std::string_view entry = *variable;
    if (!is_withheld_variable(entry.substr(0, entry.find('=')))) environment.push_back(*variable);
  }
  environment.push_back(nullptr);
  pid_t pid = 0;
  const int failed = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environment.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (failed != 0) {
    throw Error(ErrorCode::unavailable, "cannot run '" + argv[0] + "': " + std::strerror(failed));
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input,
                          std::chrono::milliseconds timeout) {
  if (argv.empty()) throw Error(ErrorCode::internal, "run_process: no program");
  SigpipeBlock sigpipe;
  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe();
  const pid_t pid = spawn(argv, in, out, err);
  in.read = files::UniqueFd();
  out.write = files::UniqueFd();
  err.write = files::UniqueFd();
  fcntl(in.write.get(), F_SETFL, O_NONBLOCK);
  if (input.empty()) in.write = files::UniqueFd();

  ProcessResult result;
  bool overflow = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.read.get() >= 0 || err.read.get() >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      wait_exit(pid);
      throw Error(ErrorCode::unavailable, "'" + argv[0] + "' did not finish within " +
                                              std::to_string(timeout.count() / 1000) + " s and was stopped");
    }
    pollfd fds[3] = {{out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}, {in.write.get(), POLLOUT, 0}};
    if (poll(fds, 3, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      kill(pid, SIGKILL);
      wait_exit(pid);
      throw Error(ErrorCode::unavailable, std::string("poll: ") + std::strerror(errno));
    }
    if (fds[2].revents != 0) {
      const ssize_t wrote = write(in.write.get(), input.data(), input.size());
      if (wrote > 0) input.remove_prefix(static_cast<size_t>(wrote));
      if ((wrote < 0 && errno != EAGAIN && errno != EINTR) || input.empty()) in.write = files::UniqueFd();
    }
    files::UniqueFd* sources[2] = {&out.read, &err.read};
    std::string* sinks[2] = {&result.out, &result.err};
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      char buffer[65536];
      const ssize_t got = read(sources[i]->get(), buffer, sizeof buffer);
      if (got > 0) {
        if (sinks[i]->size() + static_cast<size_t>(got) > kMaxProcessOutput) {
          overflow = true;
        } else {
          sinks[i]->append(buffer, static_cast<size_t>(got));
        }
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        *sources[i] = files::UniqueFd();
      }
    }
  }
  in.write = files::UniqueFd();
  result.exit_code = wait_exit(pid);
  if (overflow) {
    throw Error(ErrorCode::unavailable, "'" + argv[0] + "' wrote more than " +
                                            std::to_string(kMaxProcessOutput >> 20) + " MiB of output");
  }
  return result;
}

}  // namespace gatehouse::control
