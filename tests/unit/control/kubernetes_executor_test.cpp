// The Kubernetes executor end to end against kubectl. No Kubernetes cluster can run where these tests
// run, so kubectl is a recorded stand-in (tests/integration/fixtures/fake_kubectl, on
// GATEHOUSE_KUBECTL): it records each call's argv and stdin, and answers `get` and `logs` with
// output recorded from kubectl (tests/integration/fixtures/kubectl/). The executor itself is real:
// it spawns the stand-in as it would spawn kubectl.
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../hub/scoped_env.h"
#include "base/error.h"
#include "base/file.h"
#include "base/json.h"
#include "control/executors/kubernetes_executor.h"

namespace gatehouse::control {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(GATEHOUSE_SOURCE_DIR) / "tests/integration/fixtures";
constexpr const char* kUuid = "5f0c2d7e9a8b4c1d8e6f3a2b1c0d9e8f";
constexpr const char* kPlanted = "hf_plantedSecretValue0123456789";

struct Call {
  std::vector<std::string> argv;
  std::string stdin_text;
};

class KubernetesExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gatehouse-fake-kubectl-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    env_.set("FAKE_KUBECTL_DIR", dir_.string());
    env_.set("GATEHOUSE_KUBECTL", (kFixtures / "fake_kubectl").string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  KubernetesExecutor executor(KubernetesExecutorOptions options = {}) {
    options.events = [this](const LifecycleEvent& event) { events_.push_back(event); };
    return KubernetesExecutor(std::move(options));
  }
  void record(const std::string& name, const std::string& fixture) {
    fs::copy_file(kFixtures / "kubectl" / fixture, dir_ / name, fs::copy_options::overwrite_existing);
  }
  void write(const std::string& name, const std::string& text) { files::write_file_atomic(dir_ / name, text); }
  std::vector<Call> calls() const {
    std::vector<Call> out;
    std::ifstream file(dir_ / "calls.jsonl");
    for (std::string line; std::getline(file, line);) {
      const bj::value call = bj::parse(line);
      Call parsed;
      for (const bj::value& arg : call.at("argv").as_array()) parsed.argv.emplace_back(arg.as_string());
      parsed.stdin_text = call.at("stdin").as_string();
      out.push_back(std::move(parsed));
    }
    return out;
  }

  static Workload service_workload() {
    Workload workload;
    workload.uuid = kUuid;
    workload.canonical_name = "vllm-from-hf";
    workload.public_host = "vllm-from-hf.127-0-0-1.nip.io";
    workload.recipe.deployment_name = "vllm-from-hf";
    workload.recipe.image_uri = "docker.io/vllm/vllm-openai:v0.9.1";
    workload.recipe.env_secrets = {{"HF_TOKEN", "hf-secret", "hf-token"}};
    workload.recipe.args = {"--model", "meta-llama/Llama-3.2-1B-Instruct", "--hf-token", "$(HF_TOKEN)"};
    workload.secrets = {{"hf-secret", "opaque", {{"hf-token", SecretString(kPlanted)}}}};
    return workload;
  }

  fs::path dir_;
  hub::testing::ScopedEnv env_;
  std::vector<LifecycleEvent> events_;
};

TEST_F(KubernetesExecutorTest, StartAppliesServerSideWithTheManifestsOnStdin) {
  KubernetesExecutorOptions options;
  options.context = "oke-cluster";
  KubernetesExecutor kubernetes = executor(options);
  kubernetes.start(service_workload());
  const std::vector<Call> made = calls();
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(made[0].argv, (std::vector<std::string>{"--context=oke-cluster", "--namespace=default", "apply",
                                                    "--server-side", "--field-manager=gatehouse", "--filename=-"}));
  const bj::value list = bj::parse(made[0].stdin_text);
  std::vector<std::string> kinds;
  for (const bj::value& item : list.at("items").as_array()) kinds.emplace_back(item.at("kind").as_string());
  EXPECT_EQ(kinds, (std::vector<std::string>{"Secret", "Deployment", "Service", "Ingress"}));
  const std::string encoded = secret_data_value(kPlanted);
  EXPECT_EQ(list.at("items").at(0).at("data").at("hf-token").as_string(), encoded);
  for (const std::string& arg : made[0].argv) {
    EXPECT_EQ(arg.find(kPlanted), std::string::npos);
    EXPECT_EQ(arg.find(encoded), std::string::npos);
  }
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].status, "applied");
  EXPECT_NE(events_[0].message.find("deployment.apps/recipe-vllm-from-hf serverside-applied"), std::string::npos);
  EXPECT_NE(events_[0].message.find("ingress.networking.k8s.io/recipe-vllm-from-hf-ingress"), std::string::npos);
}

TEST_F(KubernetesExecutorTest, ApplyErrorsQuoteKubectlWithoutSecretValues) {
  // Even if kubectl quoted a value back, the error would not carry it.
  write("fail", std::string("Error from server (Forbidden): secrets \"recipe-vllm-from-hf-hf-secret\" is forbidden: ") +
                    "value " + kPlanted + " / " + secret_data_value(kPlanted) + "\n");
  KubernetesExecutor kubernetes = executor();
  try {
    kubernetes.start(service_workload());
    FAIL() << "start succeeded although kubectl failed";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.code(), ErrorCode::unavailable);
    EXPECT_NE(message.find("kubectl apply failed (exit 1): Error from server (Forbidden)"), std::string::npos) << message;
    EXPECT_EQ(message.find(kPlanted), std::string::npos) << message;
    EXPECT_EQ(message.find(secret_data_value(kPlanted)), std::string::npos) << message;
    EXPECT_EQ(message.find("\"items\""), std::string::npos) << message;  // never the manifest text
  }
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].status, "failed");
  EXPECT_EQ(events_[0].message.find(kPlanted), std::string::npos);
  EXPECT_THROW(kubernetes.status(kUuid), Error);  // not started
}

TEST_F(KubernetesExecutorTest, StatusComesFromTheRecordedCluster) {
  KubernetesExecutor kubernetes = executor();
  try {
    kubernetes.status(kUuid);
    FAIL() << "status of a uuid never started";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::not_found);
  }
  kubernetes.start(service_workload());

  record("get.json", "deployment_ready.json");
  WorkloadStatus status = kubernetes.status(kUuid);
  EXPECT_EQ(status.phase, WorkloadPhase::ready);
  EXPECT_EQ(status.desired_replicas, 1);
  EXPECT_EQ(status.ready_replicas, 1);
  EXPECT_EQ(status.last_error, "");
  ASSERT_EQ(status.replicas.size(), 1u);
  EXPECT_EQ(status.replicas[0].id, "recipe-vllm-from-hf-7d9c8b6f5-x2k4q");
  EXPECT_EQ(status.replicas[0].state, "ready");
  const std::vector<Call> made = calls();
  EXPECT_EQ(made.back().argv, (std::vector<std::string>{"--namespace=default", "get", "deployments,pods",
                                                        "--selector=gatehouse.deployment-uuid=" + std::string(kUuid),
                                                        "--output=json"}));

  record("get.json", "deployment_crashloop.json");
  status = kubernetes.status(kUuid);
  EXPECT_EQ(status.phase, WorkloadPhase::starting);
  EXPECT_EQ(status.ready_replicas, 0);
  EXPECT_EQ(status.replicas[0].state, "restarting");
  EXPECT_EQ(status.replicas[0].restarts, 4);
  EXPECT_NE(status.last_error.find("pod recipe-vllm-from-hf-7d9c8b6f5-x2k4q: CrashLoopBackOff: back-off 1m20s"),
            std::string::npos) << status.last_error;
  EXPECT_NE(status.last_error.find("(last exit code 1, Error)"), std::string::npos) << status.last_error;

  record("get.json", "deployment_unschedulable.json");
  status = kubernetes.status(kUuid);
  EXPECT_EQ(status.phase, WorkloadPhase::failed);
  EXPECT_NE(status.last_error.find("ProgressDeadlineExceeded"), std::string::npos) << status.last_error;
  EXPECT_NE(status.last_error.find("Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu"),
            std::string::npos) << status.last_error;

  write("get.json", R"({"apiVersion":"v1","kind":"List","items":[]})");
  status = kubernetes.status(kUuid);
  EXPECT_EQ(status.phase, WorkloadPhase::failed);
  EXPECT_NE(status.last_error.find("Deployment recipe-vllm-from-hf is not in the cluster"), std::string::npos);
}

TEST_F(KubernetesExecutorTest, JobStatusFromItsConditions) {
  Workload job = service_workload();
  job.canonical_name = "llama31-8b";
  job.recipe.mode = RecipeMode::job;
  KubernetesExecutor kubernetes = executor();
  kubernetes.start(job);
  record("get.json", "job_complete.json");
  WorkloadStatus status = kubernetes.status(kUuid);
  EXPECT_EQ(status.phase, WorkloadPhase::completed);
  EXPECT_EQ(status.replicas.at(0).state, "exited");
  EXPECT_EQ(calls().back().argv.at(2), "jobs,pods");

  record("get.json", "job_failed.json");
  status = kubernetes.status(kUuid);
  EXPECT_EQ(status.phase, WorkloadPhase::failed);
  EXPECT_EQ(status.last_error,
            "Job failed: BackoffLimitExceeded: Job has reached the specified backoff limit; "
            "pod recipe-llama31-8b-4xk8p: exited with code 1 (Error)");
}

TEST_F(KubernetesExecutorTest, StopDeletesEverythingWithTheUuidLabel) {
  KubernetesExecutor kubernetes = executor();
  kubernetes.start(service_workload());
  write("deleted.txt", "ingress.networking.k8s.io \"recipe-vllm-from-hf-ingress\" deleted\n"
                       "service \"recipe-vllm-from-hf\" deleted\n"
                       "deployment.apps \"recipe-vllm-from-hf\" deleted\n"
                       "secret \"recipe-vllm-from-hf-hf-secret\" deleted\n");
  kubernetes.stop(kUuid);
  EXPECT_EQ(calls().back().argv,
            (std::vector<std::string>{"--namespace=default", "delete", "ingress,service,deployment,job,secret",
                                      "--selector=gatehouse.deployment-uuid=" + std::string(kUuid),
                                      "--ignore-not-found", "--wait", "--cascade=foreground"}));
  EXPECT_EQ(events_.back().status, "deleted");
  EXPECT_NE(events_.back().message.find("secret \"recipe-vllm-from-hf-hf-secret\" deleted"), std::string::npos);
  try {
    kubernetes.status(kUuid);
    FAIL() << "status after stop";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::not_found);
  }
}

TEST_F(KubernetesExecutorTest, OutputIsThePodsLogLinesInTimeOrder) {
  KubernetesExecutor kubernetes = executor();
  kubernetes.start(service_workload());
  record("logs.txt", "logs.txt");
  std::vector<OutputLine> lines = kubernetes.output(kUuid, 0, 100);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].replica, "recipe-vllm-from-hf-7d9c8b6f5-x2k4q");
  EXPECT_EQ(lines[1].replica, "recipe-vllm-from-hf-7d9c8b6f5-m8w2z");
  EXPECT_EQ(lines[2].text, "INFO:     Started server process [1]");
  EXPECT_EQ(lines[0].seq, 1752579651118342907ull);  // 2025-07-15T11:40:51.118342907Z
  EXPECT_LT(lines[1].seq, lines[2].seq);
  EXPECT_EQ(kubernetes.output(kUuid, lines[1].seq, 100).size(), 1u);
  EXPECT_EQ(kubernetes.output(kUuid, 0, 2).front().seq, lines[1].seq);
  const std::vector<std::string> argv = calls().back().argv;
  EXPECT_NE(std::find(argv.begin(), argv.end(), "--timestamps"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "--tail=2"), argv.end());
  EXPECT_TRUE(kubernetes.ready_replicas(kUuid).empty());
}

TEST_F(KubernetesExecutorTest, KubectlThatCannotRunOrHangsIsAnError) {
  KubernetesExecutorOptions missing;
  missing.kubectl = (dir_ / "no-such-kubectl").string();
  try {
    executor(missing).start(service_workload());
    FAIL() << "start with a missing kubectl";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::unavailable);
    EXPECT_NE(std::string(error.what()).find("no-such-kubectl"), std::string::npos) << error.what();
  }
  write("sleep", "");
  KubernetesExecutorOptions quick;
  quick.command_timeout = std::chrono::seconds(1);
  try {
    executor(quick).start(service_workload());
    FAIL() << "start with a kubectl that hangs";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("did not finish within 1 s"), std::string::npos) << error.what();
  }
}

TEST_F(KubernetesExecutorTest, CheckRefusesOnlyWhatKubernetesCannotRun) {
  KubernetesExecutor kubernetes = executor();
  Recipe recipe = service_workload().recipe;
  recipe.image_uri = "ghcr.io/anyone/any-image:latest";
  EXPECT_NO_THROW(kubernetes.check(recipe));
  recipe.mode = RecipeMode::shared_node_pool;
  EXPECT_THROW(kubernetes.check(recipe), InvalidParameter);
}

}  // namespace
}  // namespace gatehouse::control
