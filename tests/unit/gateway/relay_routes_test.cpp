// Which deployments the gateway relays on the server's event loop (RelayRoutes), and which stay on
// the worker path: OpenAI-compatible routes over plain HTTP at an IP literal or localhost only.
#include <gtest/gtest.h>

#include "gateway/proxy/relayed_call.h"
#include "gateway/router/router.h"

namespace gatehouse::gateway {
namespace {

Deployment deployment(std::string id, std::string model_name, std::string model, std::optional<std::string> api_base) {
  Deployment d;
  d.id = std::move(id);
  d.model_name = std::move(model_name);
  d.model = std::move(model);
  d.api_base = std::move(api_base);
  return d;
}

TEST(RelayRoutes, OnlyPlainHttpOpenAiRoutesAtAnAddressAreRelayed) {
  std::vector<Deployment> deployments{
      deployment("vllm", "fast", "hosted_vllm/m", "http://127.0.0.1:8001/v1"),
      deployment("local", "fast", "openai/m", "http://localhost:8002"),
      deployment("v6", "six", "openai/m", "http://[::1]:8003/v1/"),
      deployment("tgi-openai", "tgi", "huggingface/tgi", "http://10.0.0.5:80/v1"),
      deployment("tls", "tls", "openai/gpt-4o", "https://127.0.0.1:8443/v1"),
      deployment("named", "named", "openai/m", "http://upstream.internal:8000/v1"),
      deployment("native", "native", "huggingface/http://127.0.0.1:8080", std::nullopt),
  };
  RouterSettings settings;
  settings.fallbacks = {{"tgi", {"native"}}};
  Router router(deployments, settings);
  RelayRoutes routes(deployments, router);

  const RelayRoute* vllm = routes.find(deployments[0], Endpoint::chat);
  ASSERT_NE(vllm, nullptr);
  EXPECT_EQ(vllm->upstream.host, "127.0.0.1");
  EXPECT_EQ(vllm->upstream.port, 8001);
  EXPECT_EQ(vllm->path, "/v1/chat/completions");
  EXPECT_EQ(vllm->upstream_model, "m");
  const RelayRoute* local = routes.find(deployments[1], Endpoint::text);
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->upstream.host, "127.0.0.1");
  EXPECT_EQ(local->path, "/v1/completions");
  const RelayRoute* v6 = routes.find(deployments[2], Endpoint::chat);
  ASSERT_NE(v6, nullptr);
  EXPECT_EQ(v6->upstream.host, "::1");
  EXPECT_NE(routes.find(deployments[3], Endpoint::chat), nullptr);
  for (size_t i : {4, 5, 6}) EXPECT_EQ(routes.find(deployments[i], Endpoint::chat), nullptr) << deployments[i].id;

  EXPECT_TRUE(routes.covers("fast", Endpoint::chat));
  EXPECT_TRUE(routes.covers("six", Endpoint::text));
  EXPECT_FALSE(routes.covers("tls", Endpoint::chat));
  EXPECT_FALSE(routes.covers("named", Endpoint::chat));
  EXPECT_FALSE(routes.covers("tgi", Endpoint::chat)) << "its fallback group needs the worker path";
  EXPECT_FALSE(routes.covers("no-such-group", Endpoint::chat));
}

}  // namespace
}  // namespace gatehouse::gateway
