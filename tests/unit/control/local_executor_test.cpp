// LocalExecutor with real child processes: small /bin/sh scripts stand in for the gatehouse binary
// (they record their arguments and environment, or exec Python's http.server as the replica's
// server), so each test sees exactly what a replica would get.
#include "control/executors/local_executor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/file.h"
#include "control/executors/readiness_probe.h"

extern char** environ;

namespace gatehouse::control {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kUuid[] = "0123456789abcdef0123456789abcdef";
constexpr char kSecret[] = "hf_secret_value_123";
constexpr char kHelperVariable[] = "GATEHOUSE_LOCAL_EXECUTOR_TEST_HELPER";

fs::path make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "local-executor-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

fs::path write_script(const fs::path& dir, const std::string& body) {
  const fs::path path = dir / "fake-gatehouse";
  std::ofstream(path) << "#!/bin/sh\n" << body;
  chmod(path.c_str(), 0755);
  return path;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

template <typename Predicate>
bool wait_until(Predicate predicate, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

bool process_gone(pid_t pid) {
  if (kill(pid, 0) != 0) return errno == ESRCH;
  // A zombie whose new parent has not reaped it yet is gone too.
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

Workload workload_of(Recipe recipe) {
  Workload workload;
  workload.uuid = kUuid;
  workload.canonical_name = "test";
  workload.recipe = std::move(recipe);
  return workload;
}

Recipe recipe(RecipeMode mode, std::vector<std::string> args) {
  Recipe recipe;
  recipe.mode = mode;
  recipe.deployment_name = "test";
  recipe.image_uri = "ghcr.io/acme/gatehouse:1";
  recipe.args = std::move(args);
  return recipe;
}

// A replica that serves HTTP on the port the executor gives it (the last argument), after `delay`.
std::string http_server_script(std::string_view delay = "0") {
  return "for last; do :; done\nsleep " + std::string(delay) + "\necho serving on $last\nexec /usr/bin/python3 -I -S -m http.server --bind 127.0.0.1 \"$last\"\n";
}

class LocalExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override {
    executor_.reset();
    fs::remove_all(dir_);
  }

  LocalExecutor& executor(const std::string& script, LocalExecutorOptions options = {}) {
    options.gatehouse_binary = write_script(dir_, script);
    options.work_dir = dir_ / "deployments";
    options.events = [this](const LifecycleEvent& event) {
      std::lock_guard lock(mutex_);
      events_.push_back(event);
    };
    executor_ = std::make_unique<LocalExecutor>(options);
    return *executor_;
  }
  fs::path workspace() const { return dir_ / "deployments" / kUuid; }
  WorkloadPhase phase() const { return executor_->status(kUuid).phase; }
  std::vector<LifecycleEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  bool has_event(const std::string& step, const std::string& status) {
    for (const LifecycleEvent& event : events()) {
      if (event.step == step && event.status == status) return true;
    }
    return false;
  }
  std::string output_text() {
    std::string text;
    for (const OutputLine& line : executor_->output(kUuid, 0, 1000)) text += line.text + "\n";
    return text;
  }

  fs::path dir_;
  std::unique_ptr<LocalExecutor> executor_;
  std::mutex mutex_;
  std::vector<LifecycleEvent> events_;
};

TEST_F(LocalExecutorTest, JobGetsItsArgumentsEnvironmentAndSecretButNotTheControlPlanesSecrets) {
  setenv("GATEHOUSE_MASTER_KEY", "master-key-value", 1);
  setenv("HUGGING_FACE_HUB_TOKEN", "control-plane-token", 1);
  LocalExecutor& local = executor("printf '%s\\n' \"$@\" > args.txt\nenv > env.txt\necho \"token is $HF_TOKEN\"\n");
  Recipe job = recipe(RecipeMode::job, {"download", "org/model", "--token", "$(HF_TOKEN)", "--local-dir", "/models/x", "--max-workers", "$(WORKERS)"});
  job.env = {{"WORKERS", "4"}, {"MODEL_DIR", "/models/y"}};
  job.env_secrets = {{"HF_TOKEN", "hf-secret", "hf-token"}};
  job.raw["output_object_storage"] = boost::json::array{boost::json::object{{"bucket_name", "b"}, {"mount_location", "/models"}}};
  Workload workload = workload_of(job);
  workload.secrets = {{"hf-secret", "opaque", {{"hf-token", SecretString(kSecret)}}}};
  local.start(workload);
  ASSERT_TRUE(wait_until([&] { return phase() == WorkloadPhase::completed; })) << executor_->status(kUuid).last_error;
  unsetenv("GATEHOUSE_MASTER_KEY");
  unsetenv("HUGGING_FACE_HUB_TOKEN");

  const fs::path volume = workspace() / "volumes" / "models";
  EXPECT_EQ(read_text(workspace() / "args.txt"), "download\norg/model\n--local-dir\n" + (volume / "x").string() + "\n--max-workers\n4\n");
  EXPECT_TRUE(fs::is_directory(volume));
  EXPECT_EQ(fs::status(workspace()).permissions() & fs::perms::all, fs::perms::owner_all);
  const std::string env = read_text(workspace() / "env.txt");
  EXPECT_NE(env.find("\nHF_TOKEN=" + std::string(kSecret) + "\n"), std::string::npos);
  EXPECT_NE(env.find("\nMODEL_DIR=" + (volume / "y").string() + "\n"), std::string::npos);
  EXPECT_EQ(env.find("master-key-value"), std::string::npos);
  EXPECT_EQ(env.find("GATEHOUSE_MASTER_KEY"), std::string::npos);
  EXPECT_EQ(env.find("control-plane-token"), std::string::npos);
  // The program printed the token: the log shows it redacted. No event carries it.
  EXPECT_NE(output_text().find("token is ***"), std::string::npos);
  EXPECT_EQ(output_text().find(kSecret), std::string::npos);
  for (const LifecycleEvent& event : events()) EXPECT_EQ(event.message.find(kSecret), std::string::npos) << event.message;
  EXPECT_TRUE(has_event("Command", "initializing"));
  EXPECT_TRUE(has_event("Job", "completed"));

  local.stop(kUuid);
  EXPECT_FALSE(fs::exists(workspace()));
  EXPECT_THROW(local.status(kUuid), Error);
}

TEST_F(LocalExecutorTest, AMissingSecretFailsTheWorkloadNamingSecretAndKey) {
  LocalExecutor& local = executor("exit 0\n");
  Recipe job = recipe(RecipeMode::job, {"download", "org/model"});
  job.env_secrets = {{"HF_TOKEN", "hf-secret", "hf-token"}};
  Workload workload = workload_of(job);
  workload.secrets = {{"hf-secret", "opaque", {{"token", SecretString(kSecret)}}}};
  local.start(workload);
  ASSERT_TRUE(wait_until([&] { return phase() == WorkloadPhase::failed; }));
  const std::string error = local.status(kUuid).last_error;
  EXPECT_NE(error.find("the key 'hf-token' of the secret 'hf-secret'"), std::string::npos) << error;
  EXPECT_EQ(error.find(kSecret), std::string::npos);
  EXPECT_TRUE(has_event("Monitor", "error"));
}

TEST_F(LocalExecutorTest, ARecipeItCannotRunIsRefusedAtStart) {
  LocalExecutor& local = executor("exit 0\n");
  Recipe other = recipe(RecipeMode::service, {});
  other.image_uri = "docker.io/library/nginx:latest";
  EXPECT_THROW(local.check(other), InvalidParameter);
  EXPECT_THROW(local.start(workload_of(other)), InvalidParameter);
  EXPECT_THROW(local.status(kUuid), Error);
}

TEST_F(LocalExecutorTest, AReplicaIsReadyWithinAProbeIntervalOfItsServerAnswering) {
  LocalExecutor& local = executor(http_server_script("0.3"));
  Recipe service = recipe(RecipeMode::service, {"serve", "--model", "m", "--port", "8000"});
  service.readiness_probe = Probe{.endpoint_path = "/", .initial_delay_seconds = 20};
  local.start(workload_of(service));
  uint16_t port = 0;
  ASSERT_TRUE(wait_until([&] {
    const WorkloadStatus status = local.status(kUuid);
    if (status.replicas.empty() || status.replicas[0].address.empty()) return false;
    port = uint16_t(std::stoi(status.replicas[0].address.substr(status.replicas[0].address.find(':') + 1)));
    return true;
  }));
  EXPECT_EQ(phase(), WorkloadPhase::starting);
  // Watch the server ourselves as closely as we can, and see how long the executor takes to agree.
  ASSERT_TRUE(wait_until([&] { return probe_replica(Probe{.endpoint_path = "/"}, port, 100ms); }));
  const auto answered = Clock::now();
  ASSERT_TRUE(wait_until([&] { return !local.ready_replicas(kUuid).empty(); }));
  const auto lag = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - answered);
  RecordProperty("ready_lag_ms", int(lag.count()));
  EXPECT_LT(lag, 250ms) << "ready " << lag.count() << " ms after the server answered";
  const std::vector<ReplicaAddress> ready = local.ready_replicas(kUuid);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].host, "127.0.0.1");
  EXPECT_EQ(ready[0].port, port);
  EXPECT_EQ(phase(), WorkloadPhase::ready);
  EXPECT_TRUE(wait_until([&] { return has_event("Monitor", "nominal"); }));
  EXPECT_NE(output_text().find("serving on " + std::to_string(port)), std::string::npos);
}

TEST_F(LocalExecutorTest, AKilledReplicaIsRestartedAndCounted) {
  LocalExecutorOptions options;
  options.restart_delay = 50ms;
  LocalExecutor& local = executor(http_server_script(), options);
  Recipe service = recipe(RecipeMode::service, {"serve"});
  service.replicas = 2;
  service.readiness_probe = Probe{.endpoint_path = "/"};
  local.start(workload_of(service));
  ASSERT_TRUE(wait_until([&] { return local.status(kUuid).ready_replicas == 2; }));
  const auto pid_of = [&](int replica) {
    for (const LifecycleEvent& event : events()) {
      if (event.step == "Replica " + std::to_string(replica) && event.status == "started") return std::stoi(event.message.substr(4));
    }
    return 0;
  };
  const pid_t first = pid_of(0);
  ASSERT_GT(first, 0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  ASSERT_TRUE(wait_until([&] { return local.status(kUuid).replicas[0].restarts == 1 && local.status(kUuid).ready_replicas == 2; }));
  const WorkloadStatus status = local.status(kUuid);
  EXPECT_EQ(status.phase, WorkloadPhase::ready);
  EXPECT_EQ(status.replicas[1].restarts, 0);
  EXPECT_NE(status.last_error.find("replica 0 was killed by signal 9"), std::string::npos) << status.last_error;
  EXPECT_TRUE(has_event("Replica 0", "exited"));
  EXPECT_TRUE(process_gone(first));
}

TEST_F(LocalExecutorTest, AReplicaThatStopsAnsweringTakesNoTrafficUntilItAnswersAgain) {
  LocalExecutor& local = executor(http_server_script());
  Recipe service = recipe(RecipeMode::service, {"serve"});
  service.readiness_probe = Probe{.endpoint_path = "/", .period_seconds = 0.05, .timeout_seconds = 0.1, .failure_threshold = 2};
  local.start(workload_of(service));
  ASSERT_TRUE(wait_until([&] { return local.ready_replicas(kUuid).size() == 1; }));
  pid_t pid = 0;
  for (const LifecycleEvent& event : events()) {
    if (event.step == "Replica 0" && event.status == "started") pid = std::stoi(event.message.substr(4));
  }
  ASSERT_GT(pid, 0);
  // A stopped server still accepts connections (the kernel does) but answers nothing.
  ASSERT_EQ(kill(pid, SIGSTOP), 0);
  ASSERT_TRUE(wait_until([&] { return local.ready_replicas(kUuid).empty(); }, 3s));
  EXPECT_EQ(local.status(kUuid).replicas[0].state, "not ready");
  EXPECT_EQ(phase(), WorkloadPhase::starting);
  ASSERT_EQ(kill(pid, SIGCONT), 0);
  ASSERT_TRUE(wait_until([&] { return local.ready_replicas(kUuid).size() == 1; }, 3s));
  EXPECT_EQ(local.status(kUuid).replicas[0].restarts, 0);
  EXPECT_TRUE(has_event("Replica 0", "not ready"));
}

TEST_F(LocalExecutorTest, ACrashLoopFailsTheWorkloadWithTheTailOfItsOutput) {
  LocalExecutorOptions options;
  options.restart_delay = 10ms;
  LocalExecutor& local = executor("echo loading\necho 'error: no model named m' >&2\nexit 1\n", options);
  local.start(workload_of(recipe(RecipeMode::service, {"serve", "--model", "m"})));
  ASSERT_TRUE(wait_until([&] { return phase() == WorkloadPhase::failed; }));
  const WorkloadStatus status = local.status(kUuid);
  EXPECT_EQ(status.last_error,
            "replica 0 exited with status 1: loading\nerror: no model named m (3 exits in a row without becoming ready)");
  EXPECT_EQ(status.replicas[0].state, "failed");
  EXPECT_EQ(status.replicas[0].restarts, 2);
  EXPECT_TRUE(has_event("Monitor", "error"));
}

TEST_F(LocalExecutorTest, AFailingJobIsRetriedThenFails) {
  LocalExecutorOptions options;
  options.restart_delay = 10ms;
  LocalExecutor& local = executor("echo run >> runs.txt\necho \"cannot reach the Hub\"\nexit 3\n", options);
  local.start(workload_of(recipe(RecipeMode::job, {"download", "org/model"})));
  ASSERT_TRUE(wait_until([&] { return phase() == WorkloadPhase::failed; }));
  EXPECT_EQ(read_text(workspace() / "runs.txt"), "run\nrun\nrun\n");
  EXPECT_EQ(local.status(kUuid).last_error, "replica 0 exited with status 3: cannot reach the Hub (run 3, the last allowed)");
  EXPECT_FALSE(has_event("Job", "completed"));
}

TEST_F(LocalExecutorTest, StopKillsTheWholeProcessGroupEvenWhenItIgnoresSigterm) {
  LocalExecutorOptions options;
  options.stop_grace = 300ms;
  LocalExecutor& local = executor("trap '' TERM\nsleep 1000 &\necho $! > child.pid\necho $$ > self.pid\nwait\n", options);
  local.start(workload_of(recipe(RecipeMode::service, {"serve"})));
  ASSERT_TRUE(wait_until([&] { return fs::exists(workspace() / "child.pid") && fs::exists(workspace() / "self.pid"); }));
  std::this_thread::sleep_for(50ms);
  const pid_t child = std::stoi(read_text(workspace() / "child.pid"));
  const pid_t self = std::stoi(read_text(workspace() / "self.pid"));
  const auto begin = Clock::now();
  local.stop(kUuid);
  EXPECT_GE(Clock::now() - begin, 300ms);  // SIGTERM was ignored: SIGKILL after the grace period
  EXPECT_TRUE(wait_until([&] { return process_gone(self) && process_gone(child); }, 2s));
}

// Run in a process of its own by NoOrphanWhenTheControlPlaneIsKilled: starts a replica that writes
// its pid, then waits to be killed.
TEST(LocalExecutorHelper, StartsAReplicaAndWaits) {
  const char* dir = std::getenv(kHelperVariable);
  if (!dir) GTEST_SKIP() << "a helper for NoOrphanWhenTheControlPlaneIsKilled";
  LocalExecutorOptions options;
  options.gatehouse_binary = write_script(dir, "echo $$ > ../../replica.pid\nexec sleep 1000\n");
  options.work_dir = fs::path(dir) / "deployments";
  LocalExecutor local(options);
  local.start(workload_of(recipe(RecipeMode::service, {"serve"})));
  std::this_thread::sleep_for(60s);
}

TEST_F(LocalExecutorTest, NoOrphanWhenTheControlPlaneIsKilled) {
  const std::string variable = std::string(kHelperVariable) + "=" + dir_.string();
  std::vector<std::string> environment = {variable};
  for (char** entry = environ; *entry; ++entry) environment.emplace_back(*entry);
  std::vector<char*> envp;
  for (std::string& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string filter = "--gtest_filter=LocalExecutorHelper.StartsAReplicaAndWaits";
  std::string self = fs::read_symlink("/proc/self/exe").string();
  char* argv[] = {self.data(), filter.data(), nullptr};
  pid_t helper = 0;
  ASSERT_EQ(posix_spawn(&helper, self.c_str(), nullptr, nullptr, argv, envp.data()), 0);
  const fs::path pid_file = dir_ / "replica.pid";
  ASSERT_TRUE(wait_until([&] { return fs::exists(pid_file) && !read_text(pid_file).empty(); }));
  std::this_thread::sleep_for(50ms);
  const pid_t replica = std::stoi(read_text(pid_file));
  EXPECT_FALSE(process_gone(replica));
  ASSERT_EQ(kill(helper, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(helper, &status, 0), helper);
  EXPECT_TRUE(wait_until([&] { return process_gone(replica); }, 3s)) << "replica " << replica << " outlived its control plane";
}

}  // namespace
}  // namespace gatehouse::control
