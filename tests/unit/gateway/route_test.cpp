#include "gateway/providers/route.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>

#include "base/error.h"

namespace gatehouse::gateway::providers {
namespace {

// Clears the variables the rules read, so the machine's own settings cannot decide a test.
class RouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"HF_ROUTER_URL", "HF_API_BASE", "HUGGINGFACE_API_BASE", "OPENAI_API_BASE", "OPENAI_BASE_URL",
                             "HOSTED_VLLM_API_BASE", "GATEHOUSE_URL", "HF_TOKEN", "HUGGINGFACE_API_KEY", "OPENAI_API_KEY",
                             "HUGGING_FACE_HUB_TOKEN", "HOSTED_VLLM_API_KEY"}) {
      unsetenv(name);
    }
    setenv("HF_TOKEN_PATH", "/nonexistent/gatehouse-test-token", 1);
  }
};

TEST_F(RouteTest, AnEndpointUrlAsModelSpeaksTgiNatively) {
  const Route route = resolve_route("huggingface/https://abc.us-east-1.aws.endpoints.huggingface.cloud/", std::nullopt, Endpoint::chat);
  EXPECT_EQ(route.protocol, Protocol::tgi_native);
  EXPECT_EQ(route.url, "https://abc.us-east-1.aws.endpoints.huggingface.cloud");
  EXPECT_TRUE(route.hugging_face);
  EXPECT_EQ(resolve_route("huggingface/http://127.0.0.1:8080", std::nullopt, Endpoint::text).url, "http://127.0.0.1:8080");
}

TEST_F(RouteTest, ApiBaseGoesToTheMessagesApiWithLiteLlmsUrlRules) {
  const Route route = resolve_route("huggingface/tgi", std::string("https://xyz.endpoints.huggingface.cloud/v1/"), Endpoint::chat);
  EXPECT_EQ(route.protocol, Protocol::openai);
  EXPECT_EQ(route.url, "https://xyz.endpoints.huggingface.cloud/v1/chat/completions");
  EXPECT_EQ(route.upstream_model, "tgi");
  EXPECT_EQ(openai_route_url("http://h:1", Endpoint::chat), "http://h:1/v1/chat/completions");
  EXPECT_EQ(openai_route_url("http://h:1/", Endpoint::chat), "http://h:1/v1/chat/completions");
  EXPECT_EQ(openai_route_url("http://h:1/v1/chat/completions/", Endpoint::chat), "http://h:1/v1/chat/completions");
  EXPECT_EQ(openai_route_url("http://h:1/v1", Endpoint::text), "http://h:1/v1/completions");
  EXPECT_EQ(openai_route_url("http://h:1/prefix", Endpoint::text), "http://h:1/prefix/v1/completions");
  // HF_API_BASE is an api_base too, normalised the same way (LiteLLM returned it unmodified).
  setenv("HF_API_BASE", "http://env:2", 1);
  EXPECT_EQ(resolve_route("huggingface/tgi", std::nullopt, Endpoint::chat).url, "http://env:2/v1/chat/completions");
  // The parameter wins over the variable.
  EXPECT_EQ(resolve_route("huggingface/tgi", std::string("http://param:3/v1"), Endpoint::chat).url, "http://param:3/v1/chat/completions");
}

TEST_F(RouteTest, HubModelsGoToTheRouter) {
  Route route = resolve_route("huggingface/meta-llama/Llama-3.1-8B-Instruct:fastest", std::nullopt, Endpoint::chat);
  EXPECT_EQ(route.protocol, Protocol::openai);
  EXPECT_EQ(route.url, "https://router.huggingface.co/v1/chat/completions");
  EXPECT_EQ(route.upstream_model, "meta-llama/Llama-3.1-8B-Instruct:fastest");
  setenv("HF_ROUTER_URL", "http://127.0.0.1:9/", 1);
  route = resolve_route("huggingface/together/deepseek-ai/DeepSeek-R1", std::nullopt, Endpoint::chat);
  EXPECT_EQ(route.url, "http://127.0.0.1:9/v1/chat/completions");
  EXPECT_EQ(route.upstream_model, "deepseek-ai/DeepSeek-R1:together");
  EXPECT_THROW(resolve_route("huggingface/together/org/model:cheapest", std::nullopt, Endpoint::chat), InvalidParameter);
  EXPECT_THROW(resolve_route("huggingface/gpt2", std::nullopt, Endpoint::chat), InvalidParameter);
  EXPECT_THROW(resolve_route("huggingface/", std::nullopt, Endpoint::chat), InvalidParameter);
}

TEST_F(RouteTest, OpenAiCompatibleProviders) {
  Route route = resolve_route("openai/gpt-4o-mini", std::nullopt, Endpoint::chat);
  EXPECT_EQ(route.url, "https://api.openai.com/v1/chat/completions");
  EXPECT_EQ(route.upstream_model, "gpt-4o-mini");
  route = resolve_route("hosted_vllm/meta-llama/Llama-3.1-8B", std::string("http://vllm:8000/v1"), Endpoint::text);
  EXPECT_EQ(route.url, "http://vllm:8000/v1/completions");
  EXPECT_EQ(route.upstream_model, "meta-llama/Llama-3.1-8B");
  try {
    resolve_route("hosted_vllm/x", std::nullopt, Endpoint::chat);
    FAIL() << "hosted_vllm needs api_base";
  } catch (const InvalidParameter& error) {
    EXPECT_EQ(error.parameter(), "api_base");
  }
  route = resolve_route("gatehouse/my-llama", std::string("http://control:8080/"), Endpoint::chat);
  EXPECT_EQ(route.url, "http://control:8080/deployments/my-llama/v1/chat/completions");
  EXPECT_EQ(route.upstream_model, "") << "the deployment's one model answers, whatever its repo is called";
  EXPECT_THROW(resolve_route("bedrock/x", std::nullopt, Endpoint::chat), InvalidParameter);
  EXPECT_THROW(resolve_route("gpt-4o", std::nullopt, Endpoint::chat), InvalidParameter);
  EXPECT_THROW(resolve_route("openai/x", std::string("ftp://h"), Endpoint::chat), InvalidParameter);
}

TEST_F(RouteTest, KeysComeExplicitThenFromTheProvidersVariables) {
  const Route hf = resolve_route("huggingface/http://h:1", std::nullopt, Endpoint::chat);
  EXPECT_FALSE(resolve_key(hf, std::nullopt));
  setenv("HUGGINGFACE_API_KEY", "from-huggingface-api-key", 1);
  EXPECT_EQ(resolve_key(hf, std::nullopt)->reveal(), "from-huggingface-api-key");
  setenv("HF_TOKEN", "from-hf-token", 1);
  EXPECT_EQ(resolve_key(hf, std::nullopt)->reveal(), "from-hf-token");
  EXPECT_EQ(resolve_key(hf, SecretString("explicit"))->reveal(), "explicit");
  const Route openai = resolve_route("openai/x", std::nullopt, Endpoint::chat);
  EXPECT_FALSE(resolve_key(openai, std::nullopt));  // an HF token never goes to another provider
  setenv("OPENAI_API_KEY", "sk-test", 1);
  EXPECT_EQ(resolve_key(openai, std::nullopt)->reveal(), "sk-test");
}

// A control-plane secret's key comes third: after the explicit key and the provider's variables.
TEST_F(RouteTest, ASecretKeyComesAfterTheEnvironment) {
  const Route vllm = resolve_route("hosted_vllm/m", std::string("http://h:1"), Endpoint::chat);
  const SecretString secret("from-secret");
  EXPECT_FALSE(resolve_key(vllm, std::nullopt, std::nullopt));
  EXPECT_EQ(resolve_key(vllm, std::nullopt, secret)->reveal(), "from-secret");
  EXPECT_EQ(resolve_key(vllm, SecretString(""), secret)->reveal(), "from-secret");  // an empty key is none
  setenv("HOSTED_VLLM_API_KEY", "from-variable", 1);
  EXPECT_EQ(resolve_key(vllm, std::nullopt, secret)->reveal(), "from-variable");
  EXPECT_EQ(resolve_key(vllm, SecretString("explicit"), secret)->reveal(), "explicit");
  const std::string token_file = ::testing::TempDir() + "gatehouse-route-test-token";
  std::ofstream(token_file) << "from-token-file";
  setenv("HF_TOKEN_PATH", token_file.c_str(), 1);
  const Route hf = resolve_route("huggingface/http://h:1", std::nullopt, Endpoint::chat);
  EXPECT_EQ(resolve_key(hf, std::nullopt)->reveal(), "from-token-file");
  EXPECT_EQ(resolve_key(hf, std::nullopt, secret)->reveal(), "from-secret");  // before the Hub's token file
  std::remove(token_file.c_str());
}

}  // namespace
}  // namespace gatehouse::gateway::providers
