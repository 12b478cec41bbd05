// The Kubernetes objects a recipe becomes: golden files for the Blueprints examples (rewrite them with
// GATEHOUSE_UPDATE_GOLDEN=1 and review the diff), and the rules one field at a time on recipes built
// here. tests/integration/control_kubernetes.test.mjs checks the same objects against the Kubernetes
// schemas with a real validator.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/base64.h"
#include "base/error.h"
#include "base/file.h"
#include "base/json.h"
#include "control/executors/kubernetes_manifests.h"
#include "control/recipe.h"

namespace gatehouse::control {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;

const fs::path kSource = GATEHOUSE_SOURCE_DIR;
const fs::path kExamples = kSource / "../shared/blueprints-examples";
constexpr const char* kPlanted = "hf_plantedSecretValue0123456789";
constexpr const char* kRegistryPassword = "registry-pass-planted-42";

// Indented JSON, two spaces, keys in their order: a golden file a reviewer can read and diff.
void pretty(const bj::value& value, std::string& out, int depth) {
  const std::string pad(2 * (depth + 1), ' '), close(2 * depth, ' ');
  if (value.is_object() && !value.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, item] : value.get_object()) {
      out += (first ? "" : ",\n") + pad + json::serialize(bj::value(key)) + ": ";
      pretty(item, out, depth + 1);
      first = false;
    }
    out += "\n" + close + "}";
  } else if (value.is_array() && !value.get_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const bj::value& item : value.get_array()) {
      out += (first ? "" : ",\n") + pad;
      pretty(item, out, depth + 1);
      first = false;
    }
    out += "\n" + close + "]";
  } else {
    out += json::serialize(value);
  }
}

// The secrets a control plane would resolve from its vault for a recipe.
std::vector<ResolvedSecret> resolved_secrets(const Recipe& recipe) {
  std::vector<ResolvedSecret> out;
  for (const EnvSecret& secret : recipe.env_secrets) {
    out.push_back({secret.secret_name, "opaque", {{secret.secret_key, SecretString(kPlanted)}}});
  }
  if (recipe.container_secret_name) {
    out.push_back({*recipe.container_secret_name,
                   "container_registry",
                   {{"registry_server", SecretString("iad.ocir.io")},
                    {"username", SecretString("tenancy/user@example.com")},
                    {"password", SecretString(kRegistryPassword)},
                    {"email", SecretString("user@example.com")}}});
  }
  return out;
}

Workload example_workload(const std::string& file) {
  Workload workload;
  workload.uuid = "5f0c2d7e9a8b4c1d8e6f3a2b1c0d9e8f";
  workload.recipe = parse_recipe(json::parse(files::read_file(kExamples / file), file));
  workload.canonical_name = slug(workload.recipe.deployment_name);
  workload.public_host = workload.canonical_name + ".127-0-0-1.nip.io";
  workload.secrets = resolved_secrets(workload.recipe);
  return workload;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, RenderMatchesTheGoldenFile) {
  const Workload workload = example_workload(GetParam() + ".json");
  std::string text;
  pretty(object_list(render_manifests(workload, KubernetesOptions{})), text, 0);
  text += "\n";
  EXPECT_EQ(text.find(kPlanted), std::string::npos);
  EXPECT_EQ(text.find(kRegistryPassword), std::string::npos);
  const fs::path golden = kSource / "tests/unit/control/golden" / (GetParam() + ".json");
  const char* update = std::getenv("GATEHOUSE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") files::write_file_atomic(golden, text);
  EXPECT_EQ(text, files::read_file(golden)) << "rendered manifests differ from " << golden
                                            << "; rerun with GATEHOUSE_UPDATE_GOLDEN=1 and review the diff";
}

INSTANTIATE_TEST_SUITE_P(BlueprintsExamples, Golden,
                         ::testing::Values("vllm_from_hf", "hf_downloader", "autoscaling_blueprint",
                                           "cpu-inference-mistral-vm"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) if (c == '-') c = '_';
                           return name;
                         });

const bj::object& find_kind(const std::vector<bj::object>& objects, std::string_view kind) {
  for (const bj::object& object : objects) {
    if (object.at("kind").as_string() == kind) return object;
  }
  throw std::runtime_error("no " + std::string(kind));
}

std::string decoded(const bj::value& value) { return base64::decode(value.as_string()).value(); }

TEST(ApplyDocument, CarriesTheSecretValuesThatRenderWithholds) {
  const Workload workload = example_workload("vllm_from_hf.json");
  const SecretString document = apply_document(workload, KubernetesOptions{});
  const bj::value list = json::parse(document.reveal(), "apply");
  std::vector<bj::object> items;
  for (const bj::value& item : list.at("items").as_array()) items.push_back(item.as_object());
  const bj::object& secret = find_kind(items, "Secret");
  EXPECT_EQ(secret.at("metadata").at("name"), "recipe-vllm-from-hf-hf-secret");
  EXPECT_EQ(secret.at("type"), "Opaque");
  EXPECT_EQ(decoded(secret.at("data").at("hf-token")), kPlanted);
  EXPECT_FALSE(secret.at("metadata").as_object().contains("annotations"));
  // Apart from the values, it is what render shows.
  std::vector<bj::object> rendered = render_manifests(workload, KubernetesOptions{});
  ASSERT_EQ(rendered.size(), items.size());
  for (size_t i = 1; i < items.size(); ++i) EXPECT_EQ(items[i], rendered[i]);
  const bj::object& env = find_kind(items, "Deployment").at("spec").at("template").at("spec").at("containers").at(0).at("env").at(0).as_object();
  EXPECT_EQ(env.at("valueFrom").at("secretKeyRef").at("name"), "recipe-vllm-from-hf-hf-secret");
}

TEST(ApplyDocument, RegistrySecretIsADockerConfig) {
  const Workload workload = example_workload("hf_downloader.json");
  const bj::value list = json::parse(apply_document(workload, KubernetesOptions{}).reveal(), "apply");
  const bj::object& secret = list.at("items").at(0).as_object();
  EXPECT_EQ(secret.at("type"), "kubernetes.io/dockerconfigjson");
  const bj::value config = json::parse(decoded(secret.at("data").at(".dockerconfigjson")), ".dockerconfigjson");
  const bj::object& auth = config.at("auths").at("iad.ocir.io").as_object();
  EXPECT_EQ(auth.at("password"), kRegistryPassword);
  EXPECT_EQ(decoded(auth.at("auth")), std::string("tenancy/user@example.com:") + kRegistryPassword);
  const bj::object& job = list.at("items").at(1).as_object();
  EXPECT_EQ(job.at("spec").at("template").at("spec").at("imagePullSecrets").at(0).at("name"), "recipe-llama31-8b-iad-creds");
}

Workload built_workload(RecipeMode mode) {
  Workload workload;
  workload.uuid = "0123456789abcdef0123456789abcdef";
  workload.canonical_name = "demo";
  workload.recipe.mode = mode;
  workload.recipe.deployment_name = "demo";
  workload.recipe.image_uri = "ghcr.io/example/server:1";
  return workload;
}

const bj::object& container_of(const bj::object& owner) {
  return owner.at("spec").at("template").at("spec").at("containers").at(0).as_object();
}

TEST(RenderManifests, JobRunsOnceWithoutServiceProbesOrIngress) {
  Workload workload = built_workload(RecipeMode::job);
  workload.recipe.readiness_probe = Probe{};
  workload.recipe.prometheus_enabled = true;
  const std::vector<bj::object> objects = render_manifests(workload, KubernetesOptions{});
  ASSERT_EQ(objects.size(), 1u);
  const bj::object& job = objects[0];
  EXPECT_EQ(job.at("apiVersion"), "batch/v1");
  EXPECT_EQ(job.at("spec").at("backoffLimit"), 2);
  EXPECT_EQ(job.at("spec").at("template").at("spec").at("restartPolicy"), "Never");
  EXPECT_FALSE(container_of(job).contains("readinessProbe"));
  EXPECT_FALSE(job.at("spec").at("template").at("metadata").as_object().contains("annotations"));
}

TEST(RenderManifests, ProbesResourcesVolumesAndCommand) {
  Workload workload = built_workload(RecipeMode::service);
  Recipe& recipe = workload.recipe;
  recipe.startup_probe = Probe{"/ready", 9000, "HTTPS", 0.5, 2, 1, 30, 5};
  recipe.liveness_probe = Probe{"/", 9001, "TCP", 10, 600, 1, 3, 1};
  recipe.readiness_probe = Probe{"/health", 8000, "HTTP", 15, 10, 2, 3, 2};
  recipe.cpu_count = 4;
  recipe.memory_gb = 32;
  recipe.amd_gpu_count = 8;
  recipe.command = {"python", "-m", "server"};
  recipe.args = {"--token", "$(HF_TOKEN)", "--price", "$$(literal)"};
  recipe.raw = bj::parse(R"({"local_filesystem":[{"node_directory_path":"/mnt/nvme/models","mount_location":"/models"}]})").as_object();
  const std::vector<bj::object> objects = render_manifests(workload, KubernetesOptions{});
  const bj::object& deployment = find_kind(objects, "Deployment");
  const bj::object& container = container_of(deployment);
  const bj::object& startup = container.at("startupProbe").as_object();
  EXPECT_EQ(startup.at("httpGet").at("scheme"), "HTTPS");
  EXPECT_EQ(startup.at("initialDelaySeconds"), 1);  // rounded up to whole seconds
  EXPECT_EQ(startup.at("successThreshold"), 1);     // Kubernetes allows only 1 here
  EXPECT_EQ(container.at("livenessProbe").at("tcpSocket").at("port"), 9001);
  EXPECT_FALSE(container.at("livenessProbe").as_object().contains("httpGet"));
  EXPECT_EQ(container.at("readinessProbe").at("successThreshold"), 2);
  EXPECT_EQ(container.at("resources").at("requests"), bj::parse(R"({"cpu":"4","memory":"32Gi"})"));
  EXPECT_EQ(container.at("resources").at("limits"), bj::parse(R"({"cpu":"4","memory":"32Gi","amd.com/gpu":"8"})"));
  EXPECT_EQ(container.at("command"), bj::parse(R"(["python","-m","server"])"));
  EXPECT_EQ(container.at("args"), bj::parse(R"j(["--token","$(HF_TOKEN)","--price","$$(literal)"])j"));
  EXPECT_EQ(deployment.at("spec").at("template").at("spec").at("volumes"),
            bj::parse(R"([{"name":"local-fs-0","hostPath":{"path":"/mnt/nvme/models"}}])"));
  EXPECT_EQ(container.at("volumeMounts"), bj::parse(R"([{"name":"local-fs-0","mountPath":"/models"}])"));

  recipe.command_use_shell = true;
  EXPECT_EQ(container_of(find_kind(render_manifests(workload, KubernetesOptions{}), "Deployment")).at("command"),
            bj::parse(R"j(["/bin/sh","-c","python -m server --token $(HF_TOKEN) --price $$(literal)"])j"));
}

TEST(RenderManifests, IngressHostAndServicePorts) {
  Workload workload = built_workload(RecipeMode::service);
  workload.recipe.host_port = 8080;
  workload.recipe.container_port = 11434;
  KubernetesOptions options{"models", "example.com"};
  std::vector<bj::object> objects = render_manifests(workload, options);
  const bj::object& service = find_kind(objects, "Service");
  EXPECT_EQ(service.at("metadata").at("namespace"), "models");
  EXPECT_EQ(service.at("spec").at("ports").at(0).at("port"), 8080);
  EXPECT_EQ(service.at("spec").at("ports").at(0).at("targetPort"), 11434);
  const bj::object& ingress = find_kind(objects, "Ingress");
  EXPECT_EQ(ingress.at("metadata").at("name"), "recipe-demo-ingress");
  EXPECT_EQ(ingress.at("spec").at("ingressClassName"), "nginx");
  EXPECT_EQ(ingress.at("spec").at("rules").at(0).at("host"), "demo.example.com");
  EXPECT_EQ(ingress.at("spec").at("rules").at(0).at("http").at("paths").at(0).at("backend").at("service").at("port").at("number"), 8080);

  workload.public_host = "demo.10-0-0-1.nip.io";
  EXPECT_EQ(find_kind(render_manifests(workload, options), "Ingress").at("spec").at("rules").at(0).at("host"),
            "demo.10-0-0-1.nip.io");
  workload.recipe.service_endpoint_domain = "llm.corp.example";
  EXPECT_EQ(find_kind(render_manifests(workload, options), "Ingress").at("spec").at("rules").at(0).at("host"),
            "llm.corp.example");
  workload.recipe.service_endpoint_domain.reset();
  workload.public_host.clear();
  EXPECT_FALSE(find_kind(render_manifests(workload, KubernetesOptions{}), "Ingress")
                   .at("spec").at("rules").at(0).as_object().contains("host"));
}

void expect_refused(const Workload& workload, const std::string& field) {
  try {
    render_manifests(workload, KubernetesOptions{});
    ADD_FAILURE() << "rendered a workload that should be refused for " << field;
  } catch (const InvalidParameter& error) {
    EXPECT_EQ(error.parameter(), field) << error.what();
  }
}

TEST(RenderManifests, RefusesWhatKubernetesCannotRun) {
  Workload workload = built_workload(RecipeMode::update);
  expect_refused(workload, "recipe_mode");
  workload = built_workload(RecipeMode::service);
  workload.recipe.image_uri.clear();
  expect_refused(workload, "recipe_image_uri");
  workload = built_workload(RecipeMode::service);
  workload.canonical_name = std::string(57, 'a');
  expect_refused(workload, "deployment_name");
  workload = built_workload(RecipeMode::service);
  workload.recipe.raw = bj::parse(R"({"local_filesystem":[{"mount_location":"/models"}]})").as_object();
  EXPECT_THROW(render_manifests(workload, KubernetesOptions{}), Error);
}

}  // namespace
}  // namespace gatehouse::control
