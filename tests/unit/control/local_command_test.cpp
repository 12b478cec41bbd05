// The local executor's pure parts: which images it runs and the command line each becomes, the
// mount and environment rules, and the bounded output log.
#include "control/executors/local_command.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "control/executors/local_environment.h"
#include "control/executors/output_log.h"

namespace gatehouse::control {
namespace {

using Args = std::vector<std::string>;

Recipe recipe_for(std::string image, Args args, RecipeMode mode = RecipeMode::service) {
  Recipe recipe;
  recipe.mode = mode;
  recipe.deployment_name = "test";
  recipe.image_uri = std::move(image);
  recipe.args = std::move(args);
  return recipe;
}

std::string refusal(const Recipe& recipe, std::string* field = nullptr) {
  try {
    local_command(recipe);
  } catch (const InvalidParameter& error) {
    if (field) *field = error.parameter();
    return error.what();
  }
  return "(accepted)";
}

TEST(LocalImage, KnowsTheImagesItRuns) {
  EXPECT_EQ(local_image("docker.io/vllm/vllm-openai:v0.9.1"), LocalImage::vllm);
  EXPECT_EQ(local_image("vllm/vllm-openai"), LocalImage::vllm);
  EXPECT_EQ(local_image("registry.example:5000/mirror/vllm/vllm-openai@sha256:abc"), LocalImage::vllm);
  EXPECT_EQ(local_image("rocm/vllm-openai:latest"), LocalImage::vllm);
  EXPECT_EQ(local_image("iad.ocir.io/iduyx1qnmway/corrino-devops-repository:ray2430_vllmv083"), LocalImage::vllm);
  EXPECT_EQ(local_image("ghcr.io/huggingface/text-generation-inference:2.4"), LocalImage::tgi);
  EXPECT_EQ(local_image("huggingface/text-generation-inference"), LocalImage::tgi);
  EXPECT_EQ(local_image("ghcr.io/acme/gatehouse:0.1"), LocalImage::gatehouse);
  EXPECT_EQ(local_image("iad.ocir.io/iduyx1qnmway/dktest/hfdownloader:v1"), LocalImage::hf_downloader);
  EXPECT_EQ(local_image("iad.ocir.io/iduyx1qnmway/corrino-devops-repository:hf_downloader_v1"), LocalImage::hf_downloader);
  EXPECT_EQ(local_image("iad.ocir.io/iduyx1qnmway/corrino-devops-repository:cpu_inference_service_v0.2"), std::nullopt);
  EXPECT_EQ(local_image("docker.io/library/nginx:latest"), std::nullopt);
  EXPECT_EQ(local_image("docker.io/someone/vllm:latest"), std::nullopt);  // vllm but not the OpenAI server, not Oracle's
  EXPECT_EQ(local_image("nvcr.io/nim/meta/llama3-8b-instruct:1.0"), std::nullopt);
}

TEST(LocalCommand, OtherImagesAreRefusedPointingToKubernetes) {
  std::string field;
  EXPECT_EQ(refusal(recipe_for("docker.io/library/nginx:latest", {}), &field),
            "the local executor runs vLLM, TGI, Gatehouse and hf_downloader images only; 'docker.io/library/nginx:latest' "
            "needs a container runtime: start the control plane with --executor kubernetes");
  EXPECT_EQ(field, "recipe_image_uri");
  EXPECT_NE(refusal(recipe_for("", {}), &field).find("give recipe_image_uri"), std::string::npos);
  Recipe pool = recipe_for("vllm/vllm-openai", {}, RecipeMode::shared_node_pool);
  EXPECT_NE(refusal(pool, &field).find("service and job recipes"), std::string::npos);
  EXPECT_EQ(field, "recipe_mode");
  Recipe shell = recipe_for("vllm/vllm-openai", {});
  shell.command_use_shell = true;
  EXPECT_NE(refusal(shell, &field).find("runs no shell"), std::string::npos);
  EXPECT_EQ(field, "recipe_container_command_use_shell");
}

TEST(LocalCommand, VllmArgsBecomeServeFlags) {
  const LocalCommand command = local_command(recipe_for(
      "docker.io/vllm/vllm-openai:v0.9.1", {"--model", "meta-llama/Llama-3.2-1B-Instruct", "--max-model-len", "4096"}));
  EXPECT_EQ(command.args, (Args{"serve", "--model", "meta-llama/Llama-3.2-1B-Instruct", "--max-model-len", "4096"}));
  EXPECT_TRUE(command.serves());
  EXPECT_TRUE(command.secret_variables.empty());
  // The image's entrypoint is `vllm serve`, so a model may come first.
  EXPECT_EQ(local_command(recipe_for("vllm/vllm-openai", {"org/model", "--port", "8000"})).args, (Args{"serve", "org/model", "--port", "8000"}));
}

TEST(LocalCommand, VllmEntrypointsAreMappedOthersRefused) {
  Recipe recipe = recipe_for("vllm/vllm-openai", {"--max-model-len", "512"});
  recipe.command = {"vllm", "serve", "org/model"};
  EXPECT_EQ(local_command(recipe).args, (Args{"serve", "org/model", "--max-model-len", "512"}));
  recipe.command = {"/usr/bin/python3", "-m", "vllm.entrypoints.openai.api_server", "--model", "org/model"};
  EXPECT_EQ(local_command(recipe).args, (Args{"serve", "--model", "org/model", "--max-model-len", "512"}));
  recipe.command = {"bash", "-c", "vllm serve org/model"};
  std::string field;
  EXPECT_NE(refusal(recipe, &field).find("cannot run 'bash ...'"), std::string::npos);
  EXPECT_EQ(field, "recipe_container_command");
}

TEST(LocalCommand, TgiFlagsAreMappedAndGpuFlagsIgnored) {
  Recipe recipe = recipe_for("ghcr.io/huggingface/text-generation-inference:2.4",
                             {"--model-id", "org/model", "--max-total-tokens=2048", "--num-shard", "2", "--quantize", "bitsandbytes",
                              "--max-batch-prefill-tokens", "512", "--port", "80", "--hostname", "0.0.0.0", "--trust-remote-code",
                              "--max-concurrent-requests", "64", "--max-input-length", "1024"});
  const LocalCommand command = local_command(recipe);
  EXPECT_EQ(command.args, (Args{"serve", "--model", "org/model", "--max-model-len", "2048", "--max-num-batched-tokens", "512",
                                "--port", "80", "--host", "0.0.0.0", "--trust-remote-code", "--max-pending-requests", "64"}));
  EXPECT_EQ(command.ignored_flags, (Args{"--num-shard", "--quantize", "--max-input-length"}));
  // The launcher also reads its flags from the environment.
  Recipe from_env = recipe_for("huggingface/text-generation-inference", {});
  from_env.env = {{"MODEL_ID", "org/model"}, {"MAX_TOTAL_TOKENS", "1024"}};
  EXPECT_EQ(local_command(from_env).args, (Args{"serve", "--model", "$(MODEL_ID)", "--max-model-len", "$(MAX_TOTAL_TOKENS)"}));
  std::string field;
  EXPECT_NE(refusal(recipe_for("huggingface/text-generation-inference", {"--frobnicate", "1"}), &field).find("'--frobnicate' is not a text-generation-launcher flag"),
            std::string::npos);
  EXPECT_EQ(field, "recipe_container_command_args");
  EXPECT_NE(refusal(recipe_for("huggingface/text-generation-inference", {"--model-id"})).find("--model-id needs a value"), std::string::npos);
}

TEST(LocalCommand, GatehouseAndDownloaderImages) {
  EXPECT_EQ(local_command(recipe_for("ghcr.io/acme/gatehouse:0.1", {"serve", "--model", "m"})).args, (Args{"serve", "--model", "m"}));
  EXPECT_NE(refusal(recipe_for("gatehouse", {})).find("give the gatehouse command line"), std::string::npos);
  const LocalCommand download = local_command(recipe_for("iad.ocir.io/x/corrino-devops-repository:hf_downloader_v1",
                                                         {"NousResearch/Llama", "--local-dir", "/models", "--max-workers", "16"},
                                                         RecipeMode::job));
  EXPECT_EQ(download.args, (Args{"download", "NousResearch/Llama", "--local-dir", "/models", "--max-workers", "16"}));
  EXPECT_FALSE(download.serves());
}

TEST(LocalCommand, TokensLeaveTheCommandLineAndSecretsMayNotEnterIt) {
  Recipe recipe = recipe_for("hfdownloader", {"org/gated", "--token", "$(HF_TOKEN)", "--local-dir", "/models"}, RecipeMode::job);
  recipe.env_secrets = {{"HF_TOKEN", "hf-secret", "hf-token"}};
  LocalCommand command = local_command(recipe);
  EXPECT_EQ(command.args, (Args{"download", "org/gated", "--local-dir", "/models"}));
  EXPECT_EQ(command.secret_variables, (std::vector<std::pair<std::string, std::string>>{{"HF_TOKEN", "$(HF_TOKEN)"}}));
  Recipe serve = recipe_for("vllm/vllm-openai", {"--model", "m", "--hf-token=$(HF_TOKEN)"});
  serve.env_secrets = recipe.env_secrets;
  EXPECT_EQ(local_command(serve).args, (Args{"serve", "--model", "m"}));

  serve.args = {"--model", "m", "--api-key", "$(HF_TOKEN)"};  // vLLM's key goes where serve reads it too
  const LocalCommand keyed = local_command(serve);
  EXPECT_EQ(keyed.args, (Args{"serve", "--model", "m"}));
  EXPECT_EQ(keyed.secret_variables, (std::vector<std::pair<std::string, std::string>>{{"VLLM_API_KEY", "$(HF_TOKEN)"}}));
  serve.args = {"--model", "m", "--served-model-name", "$(HF_TOKEN)"};
  std::string field;
  EXPECT_NE(refusal(serve, &field).find("$(HF_TOKEN) would put a secret on the command line"), std::string::npos);
  EXPECT_EQ(field, "recipe_container_command_args");
  serve.args = {"--model", "m", "--served-model-name", "$$(HF_TOKEN)"};  // escaped: literal text
  EXPECT_EQ(refusal(serve), "(accepted)");
}

TEST(LocalCommand, ListenAddressAndThreads) {
  EXPECT_EQ(with_listen_address({"serve", "--port", "8000", "--model", "m", "--host=0.0.0.0"}, 40123),
            (Args{"serve", "--model", "m", "--host", "127.0.0.1", "--port", "40123"}));
  EXPECT_EQ(with_threads({"serve", "--model", "m"}, 4), (Args{"serve", "--model", "m", "--threads", "4"}));
  EXPECT_EQ(with_threads({"serve", "--threads=2"}, 4), (Args{"serve", "--threads=2"}));
  EXPECT_EQ(with_threads({"serve"}, std::nullopt), (Args{"serve"}));
}

TEST(LocalEnvironment, MountLocationsMapToFoldersOnThisMachine) {
  Recipe recipe = recipe_for("vllm/vllm-openai", {});
  recipe.raw["output_object_storage"] = boost::json::array{boost::json::object{{"bucket_name", "b"}, {"mount_location", "/models"}}};
  recipe.raw["local_filesystem"] =
      boost::json::array{boost::json::object{{"node_directory_path", "/mnt/nvme/cache"}, {"mount_location", "/models/cache/"}}};
  const std::vector<Mount> mounts = local_mounts(recipe, "/work/d/abc");
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(rewrite_mount_paths("/models/x", mounts), "/work/d/abc/volumes/models/x");
  EXPECT_EQ(rewrite_mount_paths("/models", mounts), "/work/d/abc/volumes/models");
  EXPECT_EQ(rewrite_mount_paths("--download-dir=/models/cache/hub", mounts), "--download-dir=/mnt/nvme/cache/hub");
  EXPECT_EQ(rewrite_mount_paths("/modelsx", mounts), "/modelsx");
  EXPECT_EQ(rewrite_mount_paths("org/models/x", mounts), "org/models/x");
}

TEST(LocalEnvironment, SecretsComeFromTheWorkloadAndTheControlPlanesAreWithheld) {
  Workload workload;
  workload.recipe = recipe_for("vllm/vllm-openai", {});
  workload.recipe.env = {{"A", "1"}, {"HF_HOME", "/models/hf"}};
  workload.recipe.env_secrets = {{"HF_TOKEN", "hf-secret", "hf-token"}};
  EXPECT_EQ(std::string(std::invoke([&] {
              try {
                container_environment(workload);
              } catch (const Error& error) {
                return std::string(error.what());
              }
              return std::string();
            })),
            "recipe_environment_secrets: HF_TOKEN comes from the secret 'hf-secret', which does not exist: create it with POST /secrets/");
  workload.secrets = {{"hf-secret", "opaque", {{"other", SecretString("hf_abcdef")}}}};
  EXPECT_THROW(container_environment(workload), Error);
  workload.secrets[0].data = {{"hf-token", SecretString("hf_abcdef")}};
  const std::vector<ContainerVariable> variables = container_environment(workload);
  ASSERT_EQ(variables.size(), 3u);
  EXPECT_TRUE(variables[2].secret);

  const char* inherited[] = {"PATH=/usr/bin", "GATEHOUSE_MASTER_KEY=mk", "GATEHOUSE_ADMIN_PASSWORD=pw", "GATEHOUSE_HUB_TOKEN=t",
                             "HF_TOKEN=control-plane-token", "HUGGING_FACE_HUB_TOKEN=x", "HUGGINGFACE_API_KEY=y",
                             "GATEHOUSE_LOG_LEVEL=debug", "A=0", nullptr};
  const std::vector<std::string> environment = child_environment(inherited, variables, "/w/abc");
  EXPECT_EQ(environment, (Args{"PATH=/usr/bin", "GATEHOUSE_LOG_LEVEL=debug", "A=1", "HF_TOKEN_PATH=/w/abc/hf-token-unused",
                               "HF_HOME=/models/hf", "HF_TOKEN=hf_abcdef"}));
}

TEST(OutputLog, KeepsTheLastLinesNumbered) {
  OutputLog log(3);
  for (int i = 1; i <= 5; ++i) log.append(i % 2 ? "0" : "1", "line " + std::to_string(i));
  std::vector<OutputLine> lines = log.lines(0, 100);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].seq, 3u);
  EXPECT_EQ(lines[0].text, "line 3");
  EXPECT_EQ(log.lines(4, 100).size(), 1u);
  EXPECT_EQ(log.lines(5, 100).size(), 0u);
  EXPECT_EQ(log.lines(0, 1).at(0).text, "line 5");
  EXPECT_EQ(log.tail_of("0", 5), (Args{"line 3", "line 5"}));
}

TEST(LineSplitter, LinesAsATerminalShowsThem) {
  LineSplitter splitter(10);
  Args lines;
  const auto emit = [&](std::string_view line) { lines.emplace_back(line); };
  splitter.feed("one\r\ntw", emit);
  splitter.feed("o\n 10%\r 50%\r100%\nabcdefghijklmnop\n\xff!\nend", emit);
  splitter.finish(emit);
  EXPECT_EQ(lines, (Args{"one", "two", "100%", "abcdefghij [6 more bytes cut]", "\xEF\xBF\xBD!", "end"}));
}

}  // namespace
}  // namespace gatehouse::control
