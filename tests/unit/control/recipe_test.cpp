// Reading recipes: the upstream examples, the typed members, the OCI-only split, probe defaults,
// the slug of deployment names, and errors that name the field for each kind of field.
#include "control/recipe.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/json.h"
#include "control/recipe_fields.h"

namespace gatehouse::control {
namespace {

namespace fs = std::filesystem;

fs::path examples_dir() { return fs::path(GATEHOUSE_SOURCE_DIR) / "../shared/blueprints-examples"; }

boost::json::value read_example(const std::string& name) {
  std::ifstream file(examples_dir() / name);
  std::stringstream text;
  text << file.rdbuf();
  return json::parse(text.str(), name);
}

// The parameter an InvalidParameter names, and its message.
std::pair<std::string, std::string> rejection(std::string_view recipe_json) {
  try {
    parse_recipe(json::parse(recipe_json, "test"));
  } catch (const InvalidParameter& error) {
    return {error.parameter(), error.what()};
  }
  ADD_FAILURE() << "accepted: " << recipe_json;
  return {};
}

// A minimal valid recipe with `extra` (",\"key\": value" pairs) appended.
std::string recipe_with(std::string_view extra) {
  return R"({"recipe_mode": "service", "deployment_name": "test")" + std::string(extra) + "}";
}

TEST(Recipe, EveryUpstreamRecipeExampleParses) {
  int recipes = 0;
  for (const auto& entry : fs::directory_iterator(examples_dir())) {
    const std::string name = entry.path().filename().string();
    boost::json::value body = read_example(name);
    if (!body.as_object().contains("recipe_mode")) continue;  // secrets payloads and their schema
    SCOPED_TRACE(name);
    EXPECT_NO_THROW(parse_recipe(body));
    ++recipes;
  }
  EXPECT_EQ(recipes, 4);
}

TEST(Recipe, VllmFromHfLiftsTheFieldsExecutorsUse) {
  Recipe recipe = parse_recipe(read_example("vllm_from_hf.json"));
  EXPECT_EQ(recipe.mode, RecipeMode::service);
  EXPECT_EQ(recipe.deployment_name, "vllm-from-hf");
  EXPECT_EQ(recipe.recipe_id, "llm_inference_nvidia");
  EXPECT_EQ(recipe.image_uri, "docker.io/vllm/vllm-openai:v0.9.1");
  EXPECT_EQ(recipe.container_port, 8000);
  EXPECT_EQ(recipe.host_port, 80);
  EXPECT_EQ(recipe.replicas, 1);
  EXPECT_EQ(recipe.nvidia_gpu_count, 1);
  EXPECT_EQ(recipe.ephemeral_storage_gb, 100);
  EXPECT_EQ(recipe.shared_memory_mb, 16384);
  EXPECT_TRUE(recipe.prometheus_enabled);
  ASSERT_EQ(recipe.env_secrets.size(), 1u);
  EXPECT_EQ(recipe.env_secrets[0].envvar_name, "HF_TOKEN");
  EXPECT_EQ(recipe.env_secrets[0].secret_name, "hf-secret");
  EXPECT_EQ(recipe.env_secrets[0].secret_key, "hf-token");
  EXPECT_EQ(recipe.args.front(), "--model");
  EXPECT_EQ(recipe.args.size(), 6u);
  EXPECT_EQ(recipe.oci_only_fields,
            (std::vector<std::string>{"recipe_node_shape", "recipe_node_pool_size", "recipe_node_boot_volume_size_in_gbs"}));
  EXPECT_FALSE(recipe.startup_probe);
  EXPECT_FALSE(recipe.liveness_probe);
  ASSERT_TRUE(recipe.readiness_probe);
  // Given keys kept, the rest from the documented readiness defaults.
  EXPECT_EQ(recipe.readiness_probe->endpoint_path, "/health");
  EXPECT_EQ(recipe.readiness_probe->port, 8000);
  EXPECT_EQ(recipe.readiness_probe->initial_delay_seconds, 20);
  EXPECT_EQ(recipe.readiness_probe->period_seconds, 10);
  EXPECT_EQ(recipe.readiness_probe->timeout_seconds, 2);
  EXPECT_EQ(recipe.readiness_probe->scheme, "HTTP");
  EXPECT_EQ(recipe.readiness_probe->success_threshold, 1);
  EXPECT_EQ(recipe.raw.at("recipe_node_shape").as_string(), "VM.GPU.A10.1");
}

TEST(Recipe, JobWithObjectStorageAndPullSecret) {
  Recipe recipe = parse_recipe(read_example("hf_downloader.json"));
  EXPECT_EQ(recipe.mode, RecipeMode::job);
  EXPECT_EQ(recipe.container_secret_name, "iad-creds");
  EXPECT_EQ(recipe.container_port, 5678);
  EXPECT_EQ(recipe.oci_only_fields,
            (std::vector<std::string>{"recipe_node_shape", "recipe_node_pool_size",
                                      "recipe_node_boot_volume_size_in_gbs", "recipe_flex_shape_ocpu_count",
                                      "recipe_flex_shape_memory_size_in_gbs", "output_object_storage"}));
}

TEST(Recipe, EnvValuesKeepOrderAndIntegersBecomeText) {
  Recipe recipe = parse_recipe(json::parse(
      recipe_with(R"(, "recipe_container_env": [{"key": "B", "value": "x"}, {"key": "A", "value": 42}])"), "test"));
  ASSERT_EQ(recipe.env.size(), 2u);
  EXPECT_EQ(recipe.env[0].key, "B");
  EXPECT_EQ(recipe.env[1].key, "A");
  EXPECT_EQ(recipe.env[1].value, "42");
}

TEST(Recipe, ProbeDefaultsPerKind) {
  Recipe recipe = parse_recipe(json::parse(recipe_with(R"(, "recipe_startup_probe_params": {"endpoint_path": "/ready"},
      "recipe_liveness_probe_params": {}, "recipe_readiness_probe_params": {"port": 9000, "scheme": "TCP"})"),
                                           "test"));
  ASSERT_TRUE(recipe.startup_probe && recipe.liveness_probe && recipe.readiness_probe);
  EXPECT_EQ(recipe.startup_probe->endpoint_path, "/ready");
  EXPECT_EQ(recipe.startup_probe->failure_threshold, 30);
  EXPECT_EQ(recipe.startup_probe->initial_delay_seconds, 10);
  EXPECT_EQ(recipe.startup_probe->period_seconds, 2);
  EXPECT_EQ(recipe.startup_probe->timeout_seconds, 1);
  EXPECT_EQ(recipe.liveness_probe->failure_threshold, 3);
  EXPECT_EQ(recipe.liveness_probe->initial_delay_seconds, 600);
  EXPECT_EQ(recipe.liveness_probe->period_seconds, 600);
  EXPECT_EQ(recipe.liveness_probe->endpoint_path, "/health");
  EXPECT_EQ(recipe.readiness_probe->port, 9000);
  EXPECT_EQ(recipe.readiness_probe->scheme, "TCP");
  EXPECT_EQ(recipe.readiness_probe->initial_delay_seconds, 15);
  EXPECT_EQ(recipe.readiness_probe->timeout_seconds, 2);
}

TEST(Recipe, PortsAreStringsOrIntegers) {
  Recipe recipe = parse_recipe(json::parse(recipe_with(R"(, "recipe_container_port": 9000, "recipe_host_port": "8080")"), "test"));
  EXPECT_EQ(recipe.container_port, 9000);
  EXPECT_EQ(recipe.host_port, 8080);
  for (std::string_view bad : {R"("0")", R"("65536")", R"("80a")", R"("")", R"(" 80")", R"("-1")", "70000"}) {
    SCOPED_TRACE(bad);
    auto [field, message] = rejection(recipe_with(", \"recipe_container_port\": " + std::string(bad)));
    EXPECT_EQ(field, "recipe_container_port");
    EXPECT_NE(message.find("1 to 65535"), std::string::npos) << message;
  }
  EXPECT_EQ(rejection(recipe_with(R"(, "recipe_host_port": true)")).first, "recipe_host_port");
  EXPECT_NE(rejection(recipe_with(R"(, "recipe_host_port": 8.5)")).second.find("expected a port number as a string"),
            std::string::npos);
}

TEST(Recipe, OnlyModeAndNameAreRequired) {
  EXPECT_NO_THROW(parse_recipe(json::parse(recipe_with(""), "test")));
  EXPECT_EQ(rejection(R"({"deployment_name": "x"})").first, "recipe_mode");
  EXPECT_EQ(rejection(R"({"recipe_mode": "job"})").first, "deployment_name");
  auto [field, message] = rejection(R"({"recipe_mode": "raycluster", "deployment_name": "x"})");
  EXPECT_EQ(field, "recipe_mode");
  EXPECT_NE(message.find("service, job, update, shared_node_pool, team"), std::string::npos) << message;
  EXPECT_THROW(parse_recipe(json::parse("[]", "test")), Error);
}

TEST(Recipe, EveryModeParses) {
  // The reference's own payloads for the modes the API refuses later (§6.3 to §6.5).
  const char* payloads[] = {
      R"({"deployment_name": "VM.GPU.A10.2 shared pool", "recipe_mode": "shared_node_pool", "shared_node_pool_size": 2,
          "shared_node_pool_shape": "VM.GPU.A10.2", "shared_node_pool_boot_volume_size_in_gbs": 500,
          "shared_node_pool_selector": "selector_1"})",
      R"({"recipe_mode":"update","deployment_name":"startupaddnode","recipe_node_name":"10.0.10.164",
          "recipe_node_labels":{"corrino":"a10pool","corrino/pool-shared-any":"true"}})",
      R"({"recipe_mode":"update","deployment_name":"all-2g-20gb","recipe_node_pool_name":"h100migpool",
          "shared_node_pool_mig_config":"all-2g.20gb"})",
      R"({"recipe_mode": "team", "deployment_name": "create_team", "team": {"team_name": "randomteam",
          "priority_threshold": 100, "quotas": [{"shape_name": "VM.GPU.A10.2", "cpu_nominal_quota": "10",
          "cpu_borrowing_limit": "4", "cpu_lending_limit": "4", "mem_nominal_quota": "10", "mem_borrowing_limit": "4",
          "mem_lending_limit": "4", "gpu_nominal_quota": "10", "gpu_borrowing_limit": "4", "gpu_lending_limit": "4"}]}})",
  };
  const RecipeMode modes[] = {RecipeMode::shared_node_pool, RecipeMode::update, RecipeMode::update, RecipeMode::team};
  for (size_t i = 0; i < std::size(payloads); ++i) {
    Recipe recipe = parse_recipe(json::parse(payloads[i], "test"));
    EXPECT_EQ(recipe.mode, modes[i]);
    EXPECT_FALSE(recipe.oci_only_fields.empty());
  }
  EXPECT_EQ(recipe_mode_name(RecipeMode::shared_node_pool), "shared_node_pool");
}

TEST(Recipe, NewerPackFieldsAreAccepted) {
  Recipe recipe = parse_recipe(json::parse(recipe_with(R"(,
      "recipe_secret_mounts": [{"name": "cfg", "mount_location": "/config"}],
      "recipe_configmaps": [{"name": "c", "data": {"a.yaml": "x: 1"}, "default_mode": 420, "mount_location": "/etc/c"}],
      "pvcs": {"volumes": [{"name": "v", "mount_location": "/data", "volume_size_in_gbs": 50}], "retain_after_undeploy": false},
      "recipe_storage_group_id": 1000,
      "recipe_additional_ingress_annotations": [{"key": "a", "value": "b"}],
      "recipe_additional_ingress_ports": [{"port_name": "ui", "port": 3000, "path": "/ui", "path_type": "Prefix"},
                                          {"name": "api", "port": 3001, "path": "/api"}],
      "service_endpoint_subdomain": "chat", "recipe_disable_ingress": false,
      "local_filesystem": [{"node_directory_path": "/mnt/nvme/models", "mount_location": "/models"}],
      "recipe_pod_autoscaling_params": {"min_replicas": 1, "max_replicas": 4, "collect_metrics_timespan": "5m",
                                        "scaling_threshold": 0.5, "scaler_type": "prometheus"},
      "recipe_inference_gateway": {"model_name": "m", "url_path": "/m", "api_key": "k"},
      "service_endpoint": {"domain": "x.example.com", "dedicated_load_balancer": true})"),
                                           "test"));
  EXPECT_EQ(recipe.oci_only_fields, (std::vector<std::string>{"recipe_inference_gateway", "service_endpoint"}));
}

TEST(Recipe, TheTableHoldsThe68SchemaFieldsAndThe7Newer) { EXPECT_EQ(kRecipeShape.fields.size(), 68u + 7u); }

TEST(Recipe, UnknownFieldsAreRefusedAtEveryLevel) {
  auto [field, message] = rejection(recipe_with(R"(, "recipe_foo": 1)"));
  EXPECT_EQ(field, "recipe_foo");
  EXPECT_EQ(message, "unknown field 'recipe_foo'; see docs/control.md for the recipe fields");
  EXPECT_EQ(rejection(recipe_with(R"(, "recipe_readiness_probe_params": {"path": "/h"})")).first,
            "recipe_readiness_probe_params.path");
  EXPECT_EQ(rejection(recipe_with(R"(, "recipe_container_env": [{"key": "A", "value": "1", "secret": true}])")).first,
            "recipe_container_env[0].secret");
  EXPECT_EQ(rejection(recipe_with(R"(, "team": {"team_name": "t", "priority_threshold": 1, "quotas": [{"shape_name": "s", "x": "1"}]})"))
                .first,
            "team.quotas[0].x");
  // README Example 3's mistake is refused with a pointer to where the key belongs.
  auto [node_field, node_message] =
      rejection(recipe_with(R"(, "recipe_node_autoscaling_params": {"min_nodes": 1, "scaling_metric": "m"})"));
  EXPECT_EQ(node_field, "recipe_node_autoscaling_params.scaling_metric");
  EXPECT_NE(node_message.find("recipe_pod_autoscaling_params"), std::string::npos) << node_message;
}

TEST(Recipe, FieldTypeErrorsNameThePathAndTheExpectedKind) {
  struct Case {
    const char* extra;
    const char* field;
    const char* expected;
  };
  const Case cases[] = {
      {R"(, "recipe_image_uri": 5)", "recipe_image_uri", "expected a string, got an integer"},
      {R"(, "recipe_replica_count": "2")", "recipe_replica_count", "expected an integer, got a string"},
      {R"(, "recipe_replica_count": 1.5)", "recipe_replica_count", "expected an integer, got a number"},
      {R"(, "recipe_replica_count": 5000)", "recipe_replica_count", "must be between 0 and 1000"},
      {R"(, "recipe_replica_count": 0)", "recipe_replica_count", "at least 1 replica"},
      {R"(, "recipe_nvidia_gpu_count": -1)", "recipe_nvidia_gpu_count", "must be between 0 and 1024"},
      {R"(, "recipe_prometheus_enabled": "true")", "recipe_prometheus_enabled", "expected a boolean, got a string"},
      {R"(, "recipe_container_command_args": ["--a", 1])", "recipe_container_command_args[1]", "expected a string"},
      {R"(, "recipe_container_command": "serve")", "recipe_container_command", "expected an array of strings"},
      {R"(, "recipe_container_env": [{"key": "A"}])", "recipe_container_env[0].value", "is missing"},
      {R"(, "recipe_container_env": [{"key": "A", "value": "1"}, {"key": "B", "value": [1]}])",
       "recipe_container_env[1].value", "expected a string or an integer, got an array"},
      {R"(, "recipe_container_env": [{"key": "A=B", "value": "1"}])", "recipe_container_env[0].key", "no '='"},
      {R"(, "recipe_container_env": {"A": "1"})", "recipe_container_env", "expected an array of objects"},
      {R"(, "recipe_environment_secrets": [{"envvar_name": "T", "secret_name": "Bad_Name", "secret_key": "k"}])",
       "recipe_environment_secrets[0].secret_name", "lower-case"},
      {R"(, "recipe_readiness_probe_params": {"port": "8000"})", "recipe_readiness_probe_params.port",
       "expected an integer, got a string"},
      {R"(, "recipe_readiness_probe_params": {"scheme": "GRPC"})", "recipe_readiness_probe_params.scheme",
       "must be one of HTTP, HTTPS, TCP"},
      {R"(, "recipe_liveness_probe_params": {"period_seconds": 0})", "recipe_liveness_probe_params.period_seconds",
       "must be between 1 and 86400"},
      {R"(, "recipe_pod_autoscaling_params": {"collect_metrics_timespan": 5})",
       "recipe_pod_autoscaling_params.collect_metrics_timespan", "expected a string"},
      {R"(, "recipe_node_labels": {"a": 1})", "recipe_node_labels.a", "expected a string"},
      {R"(, "recipe_inference_gateway": {"url_path": "/x"})", "recipe_inference_gateway.model_name", "is missing"},
      {R"(, "input_object_storage": [{"mount_location": "/m", "volume_size_in_gbs": 10}])", "input_object_storage[0]",
       "exactly one of par, bucket_name"},
      {R"(, "input_object_storage": [{"par": "p", "bucket_name": "b", "mount_location": "/m", "volume_size_in_gbs": 10}])",
       "input_object_storage[0]", "exactly one of par, bucket_name"},
      {R"(, "service_endpoint_domain": "Not A Host")", "service_endpoint_domain", "host name"},
      {R"(, "team": {"team_name": "t", "priority_threshold": 1, "quotas": [{"shape_name": "s", "cpu_nominal_quota": 10}]})",
       "team.quotas[0].cpu_nominal_quota", "expected a string"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.extra);
    auto [field, message] = rejection(recipe_with(c.extra));
    EXPECT_EQ(field, c.field);
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
    EXPECT_EQ(message.rfind(field, 0), 0u) << "the message starts with the path: " << message;
  }
}

TEST(Recipe, NullReadsAsAbsent) {
  Recipe recipe = parse_recipe(json::parse(recipe_with(R"(, "recipe_id": null, "recipe_replica_count": null)"), "test"));
  EXPECT_FALSE(recipe.recipe_id);
  EXPECT_EQ(recipe.replicas, 1);
}

TEST(Recipe, ValuesAreNeverQuotedInErrors) {
  auto [field, message] = rejection(recipe_with(R"(, "recipe_container_env": [{"key": "T", "value": {"v": "hf_PLANTEDvalue"}}],
      "recipe_inference_gateway": {"model_name": "m", "api_key": 7})"));
  EXPECT_EQ(message.find("hf_PLANTEDvalue"), std::string::npos) << message;
  auto [gateway_field, gateway_message] =
      rejection(recipe_with(R"(, "recipe_readiness_probe_params": {"scheme": "hf_PLANTEDvalue"})"));
  EXPECT_EQ(gateway_message.find("hf_PLANTEDvalue"), std::string::npos) << gateway_message;
}

TEST(Slug, TheReferenceExamples) {
  EXPECT_EQ(slug("vLLM Inference Deployment"), "vllm-inference-deployment");
  EXPECT_EQ(slug("autoscale_vllm_example"), "autoscalevllmexample");
  EXPECT_EQ(slug("vllm_auto_with_fss"), "vllmautowithfss");
  EXPECT_EQ(slug("vllm-from-hf"), "vllm-from-hf");
  EXPECT_EQ(slug("cpu Inference mistral E4Flex"), "cpu-inference-mistral-e4flex");
  EXPECT_EQ(slug("llama3.1-8b"), "llama31-8b");
  EXPECT_EQ(slug("VM.GPU.A10.2 shared pool"), "vmgpua102-shared-pool");
  EXPECT_EQ(slug("  -x- "), "x");
  EXPECT_EQ(slug("___"), "");
  EXPECT_EQ(slug("é"), "");
}

TEST(Slug, DeploymentNamesMustSlugToALabel) {
  auto [field, message] = rejection(R"({"recipe_mode": "service", "deployment_name": "___"})");
  EXPECT_EQ(field, "deployment_name");
  EXPECT_NE(message.find("slugs to \"\""), std::string::npos) << message;
  const std::string long_name(64, 'a');
  auto [long_field, long_message] = rejection(R"({"recipe_mode": "service", "deployment_name": ")" + long_name + "\"}");
  EXPECT_EQ(long_field, "deployment_name");
  EXPECT_NE(long_message.find("64 characters"), std::string::npos) << long_message;
  EXPECT_NO_THROW(parse_recipe(json::parse(R"({"recipe_mode": "service", "deployment_name": ")" + long_name.substr(1) +
                                               "_\"}",
                                           "test")));
}

}  // namespace
}  // namespace gatehouse::control
