#include "control/executors/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "base/error.h"

namespace gatehouse::control {
namespace {

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

[[noreturn]] void fail_in_child(int report_fd, int error) {
  // Only async-signal-safe calls between fork and execve: the parent has other threads.
  ssize_t ignored = write(report_fd, &error, sizeof error);
  (void)ignored;
  _exit(127);
}

// Marks every descriptor above stderr close-on-exec, so the control plane's sockets and files stay
// out of the child (the report pipe still works until execve succeeds).
void close_descriptors_on_exec(int max_fd) {
  if (syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */) == 0) return;
  for (int fd = 3; fd < max_fd; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

}  // namespace

ChildProcess ChildProcess::spawn(const SpawnSpec& spec) {
  // Everything the child needs is prepared here: after fork it may not allocate.
  const std::string program = spec.program.string();
  const std::string directory = spec.working_directory.string();
  std::vector<char*> argv = c_strings(spec.argv);
  std::vector<char*> envp = c_strings(spec.environment);
  rlimit files_limit{};
  getrlimit(RLIMIT_NOFILE, &files_limit);
  const int max_fd = files_limit.rlim_cur == RLIM_INFINITY ? 65536 : int(std::min<rlim_t>(files_limit.rlim_cur, 65536));

  int output[2];
  int report[2];
  if (pipe2(output, O_CLOEXEC) != 0) throw Error(ErrorCode::resource_exhausted, std::string("cannot make a pipe: ") + std::strerror(errno));
  files::UniqueFd output_read(output[0]), output_write(output[1]);
  if (pipe2(report, O_CLOEXEC) != 0) throw Error(ErrorCode::resource_exhausted, std::string("cannot make a pipe: ") + std::strerror(errno));
  files::UniqueFd report_read(report[0]), report_write(report[1]);
  files::UniqueFd null_input(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_input.get() < 0) throw Error(ErrorCode::internal, std::string("cannot open /dev/null: ") + std::strerror(errno));

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw Error(ErrorCode::resource_exhausted, std::string("cannot start a process: ") + std::strerror(errno));
  if (pid == 0) {
    const int report_fd = report_write.get();
    setpgid(0, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail_in_child(report_fd, errno);
    // The parent may have died before prctl: then nothing would ever send the signal.
    if (getppid() != parent) _exit(127);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; ++signal) sigaction(signal, &default_action, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (dup2(null_input.get(), 0) < 0 || dup2(output_write.get(), 1) < 0 || dup2(output_write.get(), 2) < 0) {
      fail_in_child(report_fd, errno);
    }
    if (chdir(directory.c_str()) != 0) fail_in_child(report_fd, errno);
    close_descriptors_on_exec(max_fd);
    execve(program.c_str(), argv.data(), envp.data());
    fail_in_child(report_fd, errno);
  }
  setpgid(pid, pid);  // also here, so that signalling the group works before the child ran
  report_write = files::UniqueFd();
  output_write = files::UniqueFd();
  ChildProcess child(pid, std::move(output_read));
  int error = 0;
  ssize_t got;
  do {
    got = read(report_read.get(), &error, sizeof error);
  } while (got < 0 && errno == EINTR);
  if (got == sizeof error) {
    child.terminate(std::chrono::milliseconds(0));
    throw Error(error == ENOENT ? ErrorCode::not_found : ErrorCode::internal,
                "cannot run " + program + " in " + directory + ": " + std::strerror(error));
  }
  fcntl(child.output_fd(), F_SETFL, fcntl(child.output_fd(), F_GETFL) | O_NONBLOCK);
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), output_(std::move(other.output_)), status_(other.status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_) terminate(std::chrono::milliseconds(0));
    pid_ = std::exchange(other.pid_, -1);
    output_ = std::move(other.output_);
    status_ = other.status_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) terminate(std::chrono::milliseconds(0));
}

void ChildProcess::reap_group_and_child() {
  // The child is a zombie here, so its pid (the group's id) cannot have been reused yet.
  kill(-pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
}

std::optional<int> ChildProcess::try_wait() {
  if (status_ || pid_ <= 0) return status_;
  siginfo_t info{};
  if (waitid(P_PID, id_t(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return std::nullopt;
  reap_group_and_child();
  return status_;
}

void ChildProcess::signal_group(int signal) const {
  if (pid_ > 0 && !status_) kill(-pid_, signal);
}

int ChildProcess::terminate(std::chrono::milliseconds grace) {
  if (status_ || pid_ <= 0) return status_.value_or(0);
  if (grace.count() > 0) {
    signal_group(SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
      if (try_wait()) return *status_;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  reap_group_and_child();
  return *status_;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    const char* name = sigdescr_np(signal);
    return "was killed by signal " + std::to_string(signal) + (name ? std::string(" (") + name + ")" : "");
  }
  return "ended with wait status " + std::to_string(status);
}

}  // namespace gatehouse::control
