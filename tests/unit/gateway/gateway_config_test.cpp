#include "gateway/config/gateway_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/json.h"

namespace gatehouse::gateway {
namespace {

using namespace std::chrono_literals;

const std::string kConfigs = std::string(GATEHOUSE_SOURCE_DIR) + "/tests/unit/gateway/configs/";

class GatewayConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"HUGGINGFACE_API_KEY", "OPENAI_API_KEY", "AZURE_API_KEY", "AZURE_API_BASE", "REDIS_HOST",
                             "REDIS_PASSWORD", "REDIS_PORT", "DATABASE_URL"})
      setenv(name, (std::string("value-of-") + name).c_str(), 1);
    unsetenv("LITELLM_MASTER_KEY");
    unsetenv("GATEHOUSE_TEST_UNSET");
  }
};

// The message of the invalid_argument error parsing `text` throws.
std::string error_of(const std::string& text) {
  try {
    parse_gateway_config(text, "gateway.yaml");
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    return error.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return "";
}

const std::string kOneModel = "model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/m\n";

TEST_F(GatewayConfigTest, HuggingFaceConfig) {
  const GatewayConfig config = load_gateway_config(kConfigs + "huggingface.yaml");
  ASSERT_EQ(config.deployments.size(), 3u);
  const Deployment& tgi = config.deployments[0];
  EXPECT_EQ(tgi.id, "zephyr/0");
  EXPECT_EQ(tgi.model_name, "zephyr");
  EXPECT_EQ(tgi.model, "huggingface/HuggingFaceH4/zephyr-7b-beta");
  EXPECT_EQ(tgi.api_base, "http://0.0.0.0:8080");
  ASSERT_TRUE(tgi.api_key);
  EXPECT_EQ(tgi.api_key->reveal(), "value-of-HUGGINGFACE_API_KEY");
  EXPECT_EQ(json::serialize(config.deployments[1].extra_params), R"({"max_tokens":512,"temperature":0.2})");
  EXPECT_EQ(config.deployments[2].api_key->reveal(), "value-of-HUGGINGFACE_API_KEY");  // quoted works too
  EXPECT_EQ(config.deployments[2].api_base, std::nullopt);
  ASSERT_TRUE(config.master_key);
  EXPECT_EQ(config.master_key->reveal(), "sk-1234");
  EXPECT_EQ(config.ignored_settings,
            (std::vector<std::string>{"litellm_settings.drop_params", "litellm_settings.set_verbose",
                                      "litellm_settings.success_callback", "general_settings.database_url"}));
  // LiteLLM's defaults.
  EXPECT_EQ(config.router.strategy, RoutingStrategy::simple_shuffle);
  EXPECT_EQ(config.router.num_retries, 2);
  EXPECT_EQ(config.router.cooldown_time, 5s);
  EXPECT_EQ(config.router.allowed_fails, 3);
  EXPECT_EQ(config.router.timeout, 6000s);
  EXPECT_EQ(config.router.retry_after, 0s);
  EXPECT_TRUE(config.router.fallbacks.empty());
}

TEST_F(GatewayConfigTest, OpenAIAndAzureConfig) {
  setenv("LITELLM_MASTER_KEY", "sk-from-environment", 1);
  const GatewayConfig config = load_gateway_config(kConfigs + "openai_azure.yaml");
  ASSERT_EQ(config.deployments.size(), 4u);
  const Deployment& openai = config.deployments[0];
  EXPECT_EQ(openai.id, "openai-gpt-4o");
  EXPECT_EQ(openai.rpm, 480);
  EXPECT_EQ(openai.weight, 480);  // no weight: rpm
  EXPECT_EQ(openai.timeout, 300s);
  EXPECT_EQ(openai.stream_timeout, 60s);
  EXPECT_EQ(json::serialize(openai.model_info), R"({"id":"openai-gpt-4o","mode":"chat"})");
  const Deployment& azure = config.deployments[1];
  EXPECT_EQ(azure.api_base, "value-of-AZURE_API_BASE");
  EXPECT_EQ(azure.tpm, 240000);
  EXPECT_DOUBLE_EQ(azure.input_cost_per_token, 2.5e-6);  // from model_info
  EXPECT_DOUBLE_EQ(azure.output_cost_per_token, 1e-5);
  EXPECT_EQ(json::serialize(azure.extra_params), R"({"api_version":"2024-08-01-preview"})");
  EXPECT_EQ(config.deployments[2].weight, 2);
  EXPECT_EQ(config.deployments[2].max_retries, 0);
  EXPECT_EQ(config.deployments[3].id, "text-embedding-ada-002/3");
  EXPECT_EQ(config.master_key->reveal(), "sk-from-environment");
  EXPECT_EQ(config.router.strategy, RoutingStrategy::usage_based);
  EXPECT_EQ(config.router.num_retries, 2);  // router_settings over litellm_settings
  EXPECT_EQ(config.router.timeout, 30s);
  ASSERT_EQ(config.router.fallbacks.size(), 1u);
  EXPECT_EQ(config.router.fallbacks[0].first, "gpt-3.5-turbo");
  EXPECT_EQ(config.router.fallbacks[0].second, std::vector<std::string>{"gpt-4o"});
  EXPECT_EQ(config.ignored_settings,
            (std::vector<std::string>{"router_settings.redis_host", "router_settings.redis_password",
                                      "router_settings.redis_port", "router_settings.enable_pre_call_checks",
                                      "litellm_settings.context_window_fallbacks", "litellm_settings.callbacks",
                                      "litellm_settings.cache", "litellm_settings.cache_params",
                                      "general_settings.database_url", "general_settings.alerting",
                                      "general_settings.alerting_threshold"}));
}

TEST_F(GatewayConfigTest, HostedVllmConfigWithAnchorsAndEnvironment) {
  unsetenv("VLLM_TOKEN");
  const GatewayConfig config = load_gateway_config(kConfigs + "hosted_vllm.yaml");
  ASSERT_EQ(config.deployments.size(), 3u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(config.deployments[i].model, "hosted_vllm/meta-llama/Llama-3.1-8B-Instruct");
    EXPECT_EQ(config.deployments[i].api_key->reveal(), "token-abc123");  // from environment_variables
  }
  EXPECT_EQ(config.deployments[0].tpm, 100000);
  EXPECT_EQ(config.deployments[1].tpm, 50000);  // written beside the merge key: wins
  EXPECT_EQ(config.deployments[1].api_base, "http://10.0.0.12:8000/v1");
  EXPECT_EQ(config.deployments[2].id, "qwen-1");
  EXPECT_EQ(json::serialize(config.deployments[2].extra_params), R"({"extra_body":{"top_k":20}})");
  EXPECT_EQ(config.router.strategy, RoutingStrategy::latency_based);
  EXPECT_EQ(config.router.cooldown_time, 30s);
  EXPECT_EQ(config.router.allowed_fails, 1);
  EXPECT_EQ(config.router.retry_after, 500ms);
  EXPECT_EQ(config.router.num_retries, 5);
  EXPECT_EQ(config.router.timeout, 600s);
  ASSERT_EQ(config.router.fallbacks.size(), 1u);
  EXPECT_EQ(config.router.fallbacks[0].second, std::vector<std::string>{"qwen"});
  EXPECT_EQ(config.ignored_settings,
            (std::vector<std::string>{"router_settings.routing_strategy_args", "litellm_settings.success_callback",
                                      "litellm_settings.failure_callback", "general_settings.disable_spend_logs",
                                      "x-vllm"}));
  // load_gateway_config sets environment_variables in the process environment.
  ASSERT_NE(std::getenv("VLLM_TOKEN"), nullptr);
  EXPECT_STREQ(std::getenv("VLLM_TOKEN"), "token-abc123");
}

TEST_F(GatewayConfigTest, LoadBalancingConfig) {
  const GatewayConfig config = load_gateway_config(kConfigs + "load_balancing.yaml");
  ASSERT_EQ(config.deployments.size(), 4u);
  EXPECT_EQ(config.deployments[0].weight, 60);
  EXPECT_EQ(config.deployments[1].weight, 600);
  EXPECT_EQ(config.deployments[2].weight, 1);
  EXPECT_EQ(config.deployments[3].model, "gpt-3.5-turbo");
  EXPECT_FALSE(config.master_key);
  EXPECT_EQ(config.router.num_retries, 3);
  ASSERT_EQ(config.router.fallbacks.size(), 2u);
  EXPECT_EQ(config.router.fallbacks[1].first, "*");
  EXPECT_EQ(config.ignored_settings,
            (std::vector<std::string>{"router_settings.model_group_alias", "litellm_settings.json_logs"}));
}

TEST_F(GatewayConfigTest, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(error_of(kOneModel + "  - model_name: n\n    litellm_params:\n      model: openai/n\n      rpm: ten\n"),
            "gateway.yaml:8: model_list[1].litellm_params.rpm: expected an integer, got \"ten\"");
  EXPECT_EQ(error_of(kOneModel + "router_settings:\n  routing_strategy: cost-based-routing\n"),
            "gateway.yaml:6: router_settings.routing_strategy: \"cost-based-routing\" is not a strategy the gateway "
            "has; use simple-shuffle, least-busy, latency-based-routing or usage-based-routing");
  EXPECT_EQ(error_of("model_list:\n  - model_name: m\n    litellm_params:\n      api_base: http://x\n"),
            "gateway.yaml:4: model_list[0].litellm_params.model: is missing; name the provider and model, e.g. "
            "openai/gpt-4o or huggingface/<repo>");
  EXPECT_EQ(error_of(kOneModel + "router_settings:\n  timeout: -1\n"),
            "gateway.yaml:6: router_settings.timeout: must not be negative, got \"-1\"");
  EXPECT_EQ(error_of(kOneModel + "litellm_settings:\n  fallbacks: [\"gpt-4\"]\n"),
            "gateway.yaml:6: litellm_settings.fallbacks[0]: expected a mapping from a model_name to the model_names "
            "to fall back to, e.g. {\"gpt-3.5-turbo\": [\"gpt-4\"]}, got a string");
  EXPECT_EQ(error_of(kOneModel + "  - model_name: m\n    litellm_params: {model: openai/m}\n    model_info: {id: m/0}\n"),
            "gateway.yaml:5: model_list[1].model_info.id: \"m/0\" is already the id of model_list[0]; give each entry "
            "its own id");
  EXPECT_EQ(error_of("general_settings: {}\n"),
            "gateway.yaml:1: model_list: is missing; list the models to serve under model_list");
  EXPECT_EQ(error_of("model_list: []\n"), "gateway.yaml:1: model_list: is empty; list the models to serve under model_list");
  EXPECT_EQ(error_of(kOneModel + "      timeout: 0\n"),
            "gateway.yaml:5: model_list[0].litellm_params.timeout: must be more than 0 seconds");
  EXPECT_EQ(error_of(kOneModel + "      max_retries: 99999999999999\n"),
            "gateway.yaml:5: model_list[0].litellm_params.max_retries: must be at most 100");
  EXPECT_EQ(error_of("# nothing\n"), "gateway.yaml: is empty; a config needs a model_list");
  EXPECT_EQ(error_of("model_list: {model_name: m}\n"),
            "gateway.yaml:1: model_list: expected a list (lines starting with -), got a mapping");
  EXPECT_EQ(error_of(kOneModel + "      api_key:\n        - a\n"),
            "gateway.yaml:6: model_list[0].litellm_params.api_key: expected a value, got a list");
}

TEST_F(GatewayConfigTest, EnvironmentReferences) {
  EXPECT_EQ(error_of(kOneModel + "      api_key: os.environ/GATEHOUSE_TEST_UNSET\n"),
            "gateway.yaml:5: model_list[0].litellm_params.api_key: the environment variable GATEHOUSE_TEST_UNSET "
            "(os.environ/GATEHOUSE_TEST_UNSET) is not set; set it, or name it under environment_variables");
  setenv("GATEHOUSE_TEST_RPM", "secret-ish", 1);
  const std::string message = error_of(kOneModel + "      rpm: os.environ/GATEHOUSE_TEST_RPM\n");
  EXPECT_EQ(message, "gateway.yaml:5: model_list[0].litellm_params.rpm: expected an integer, got the value of "
                     "os.environ/GATEHOUSE_TEST_RPM");
  setenv("GATEHOUSE_TEST_RPM", "42", 1);
  EXPECT_EQ(parse_gateway_config(kOneModel + "      rpm: os.environ/GATEHOUSE_TEST_RPM\n", "g").deployments[0].rpm, 42);
  // The config's own variables come first, and parse_gateway_config leaves the process alone.
  const auto config = parse_gateway_config(
      "environment_variables:\n  GATEHOUSE_TEST_UNSET: sk-inside\n" + kOneModel +
          "general_settings:\n  master_key: os.environ/GATEHOUSE_TEST_UNSET\n",
      "g");
  EXPECT_EQ(config.master_key->reveal(), "sk-inside");
  EXPECT_EQ(std::getenv("GATEHOUSE_TEST_UNSET"), nullptr);
}

TEST_F(GatewayConfigTest, MasterKeyMustStartWithSkWithoutShowingIt) {
  const std::string message = error_of(kOneModel + "general_settings:\n  master_key: hunter2-secret\n");
  EXPECT_EQ(message, "gateway.yaml:6: general_settings.master_key: must start with \"sk-\", as LiteLLM requires of "
                     "master keys (e.g. sk-1234...); the value is not shown");
  EXPECT_EQ(message.find("hunter2"), std::string::npos);
}

// Plain scalars read as PyYAML reads them; a null one (user: ~) is a parameter left unset.
TEST_F(GatewayConfigTest, ExtraParamsKeepYamlTypes) {
  const auto config = parse_gateway_config(
      kOneModel + "      temperature: 0.7\n      max_tokens: 100\n      stream: yes\n      stop: [\"\\n\", END]\n"
                  "      seed: \"7\"\n      user: ~\n      extra_headers: {X-Org: os.environ/AZURE_API_BASE}\n"
                  "      top_p: 1e-1\n",
      "g");
  EXPECT_EQ(json::serialize(config.deployments[0].extra_params),
            R"({"temperature":0.7,"max_tokens":100,"stream":true,"stop":["\n","END"],"seed":"7",)"
            R"("extra_headers":{"X-Org":"value-of-AZURE_API_BASE"},"top_p":0.1})");
}

TEST_F(GatewayConfigTest, NullSettingsKeepDefaults) {
  const auto config = parse_gateway_config(
      kOneModel + "router_settings:\n  num_retries:\n  timeout: null\nlitellm_settings:\n  request_timeout: 7\n"
                  "general_settings:\n",
      "g");
  EXPECT_EQ(config.router.num_retries, 2);
  EXPECT_EQ(config.router.timeout, 7s);  // router_settings' null timeout does not hide litellm_settings'
  EXPECT_TRUE(config.ignored_settings.empty());
}

// LiteLLM reads LITELLM_MASTER_KEY when general_settings has no master_key.
TEST_F(GatewayConfigTest, MasterKeyFromLiteLLMVariable) {
  EXPECT_FALSE(parse_gateway_config(kOneModel, "g").master_key);
  setenv("LITELLM_MASTER_KEY", "sk-from-variable", 1);
  EXPECT_EQ(parse_gateway_config(kOneModel, "g").master_key->reveal(), "sk-from-variable");
  EXPECT_EQ(parse_gateway_config(kOneModel + "general_settings:\n  master_key: sk-written\n", "g").master_key->reveal(), "sk-written");
  unsetenv("LITELLM_MASTER_KEY");
  EXPECT_EQ(parse_gateway_config(kOneModel + "environment_variables:\n  LITELLM_MASTER_KEY: sk-listed\n", "g").master_key->reveal(),
            "sk-listed");
  setenv("LITELLM_MASTER_KEY", "not-a-litellm-key", 1);
  EXPECT_EQ(error_of(kOneModel),
            "gateway.yaml: LITELLM_MASTER_KEY (the master key, as general_settings.master_key is not set) must start with "
            "\"sk-\", as LiteLLM requires of master keys; the value is not shown");
}

// api_key_secret: a control-plane secret, read through the lookup the caller gives.
class SecretConfigTest : public GatewayConfigTest {
 protected:
  // hf-secret has one key; two-keys has two; broken cannot be opened.
  SecretLookup lookup = [this](const std::string& name, const std::string& data_key) -> std::optional<SecretString> {
    asked.emplace_back(name + "|" + data_key);
    if (name == "broken") throw Error(ErrorCode::data_loss, "secret 'broken' key 'HF_TOKEN' does not open");
    if (name == "hf-secret" && (data_key.empty() || data_key == "HF_TOKEN")) return SecretString("hf_from_secret");
    if (name == "two-keys" && data_key == "B") return SecretString("b-value");
    return std::nullopt;
  };
  std::vector<std::string> asked;

  std::string secret_error(const std::string& reference, const SecretLookup& secrets) {
    try {
      parse_gateway_config(kOneModel + "      api_key_secret: " + reference + "\n", "gateway.yaml", secrets);
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
      EXPECT_EQ(std::string(error.what()).find("hf_from_secret"), std::string::npos);
      return error.what();
    }
    ADD_FAILURE() << "no error for " << reference;
    return "";
  }
};

TEST_F(SecretConfigTest, ReadsTheNamedSecretAtLoad) {
  const GatewayConfig config = parse_gateway_config(
      "model_list:\n"
      "  - model_name: a\n    litellm_params: {model: openai/a, api_key_secret: hf-secret}\n"
      "  - model_name: b\n    litellm_params: {model: openai/b, api_key_secret: two-keys/B, api_key: explicit}\n"
      "  - model_name: c\n    litellm_params: {model: openai/c}\n",
      "g", lookup);
  EXPECT_EQ(asked, (std::vector<std::string>{"hf-secret|", "two-keys|B"}));
  EXPECT_EQ(config.deployments[0].secret_key->reveal(), "hf_from_secret");
  EXPECT_FALSE(config.deployments[0].api_key);
  EXPECT_EQ(config.deployments[1].secret_key->reveal(), "b-value");
  EXPECT_EQ(config.deployments[1].api_key->reveal(), "explicit");
  EXPECT_FALSE(config.deployments[2].secret_key);
  EXPECT_TRUE(config.deployments[0].extra_params.empty());  // not sent upstream as a parameter
}

TEST_F(SecretConfigTest, ErrorsNameTheSecretAndTheKey) {
  EXPECT_EQ(secret_error("hf-secret", {}),
            "gateway.yaml:5: model_list[0].litellm_params.api_key_secret: names the control-plane secret 'hf-secret', but the "
            "gateway has no control plane to read it from; start it with --control-data-dir DIR (the --data-dir of gatehouse up)");
  EXPECT_EQ(secret_error("missing", lookup),
            "gateway.yaml:5: model_list[0].litellm_params.api_key_secret: the control plane has no secret 'missing'; create it "
            "(gatehouse secrets create missing --from-env KEY=VARIABLE) or correct the name");
  EXPECT_EQ(secret_error("broken", lookup),
            "gateway.yaml:5: model_list[0].litellm_params.api_key_secret: secret 'broken' key 'HF_TOKEN' does not open");
  for (const char* malformed : {"/HF_TOKEN", "hf-secret/", "a/b/c"})
    EXPECT_NE(secret_error(malformed, lookup).find("expected a control-plane secret as <name> or <name>/<key>"), std::string::npos);
}

TEST_F(GatewayConfigTest, MissingFile) {
  EXPECT_THROW(load_gateway_config("/nonexistent/gateway.yaml"), Error);
}

}  // namespace
}  // namespace gatehouse::gateway
