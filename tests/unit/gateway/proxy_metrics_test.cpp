#include "gateway/proxy/proxy_metrics.h"

#include <gtest/gtest.h>

namespace gatehouse::gateway {
namespace {

bool has_line(const std::string& text, const std::string& line) { return text.find("\n" + line + "\n") != std::string::npos; }

TEST(ProxyMetrics, RendersRequestsTokensOverheadFailuresAndCooldowns) {
  ProxyMetrics metrics;
  metrics.record_request("llama", 200, 0.2, 0.0002);
  metrics.record_request("llama", 200, 0.4, 0.003);
  metrics.record_request("llama", 429, 0.001, 0.001);
  metrics.record_tokens("llama", 10, 5);
  metrics.record_tokens("llama", 1, 2);
  metrics.record_upstream_failure("replica-b", 503);
  metrics.record_rejected();
  MetricsSnapshot snapshot;
  snapshot.deployments = {"replica-a", "replica-b"};
  snapshot.cooling_down = {"replica-b"};
  snapshot.cooldowns_total = 2;
  snapshot.workers = 8;
  snapshot.workers_busy = 3;
  snapshot.relayed = 5;
  const std::string text = metrics.render(snapshot);
  EXPECT_TRUE(has_line(text, R"(gatehouse_gateway_requests_total{model_name="llama",status="200"} 2.0)")) << text;
  EXPECT_TRUE(has_line(text, R"(gatehouse_gateway_requests_total{model_name="llama",status="429"} 1.0)")) << text;
  EXPECT_TRUE(has_line(text, R"(gatehouse_gateway_prompt_tokens_total{model_name="llama"} 11.0)")) << text;
  EXPECT_TRUE(has_line(text, R"(gatehouse_gateway_completion_tokens_total{model_name="llama"} 7.0)")) << text;
  // Cumulative buckets: 0.0002 is under 0.00025, the two others under 0.005.
  EXPECT_TRUE(has_line(text, R"(gatehouse_gateway_overhead_seconds_bucket{le="0.00025",model_name="llama"} 1.0)")) << text;
  EXPECT_TRUE(has_line(text, R"(gatehouse_gateway_overhead_seconds_bucket{le="0.005",model_name="llama"} 3.0)")) << text;
  EXPECT_TRUE(has_line(text, R"(gatehouse_gateway_overhead_seconds_count{model_name="llama"} 3.0)")) << text;
  EXPECT_TRUE(has_line(text, R"(gatehouse_gateway_upstream_failures_total{deployment="replica-b",status="503"} 1.0)")) << text;
  EXPECT_TRUE(has_line(text, R"(gatehouse_gateway_deployment_cooling_down{deployment="replica-a"} 0.0)")) << text;
  EXPECT_TRUE(has_line(text, R"(gatehouse_gateway_deployment_cooling_down{deployment="replica-b"} 1.0)")) << text;
  EXPECT_TRUE(has_line(text, "gatehouse_gateway_cooldowns_total 2.0")) << text;
  EXPECT_TRUE(has_line(text, "gatehouse_gateway_workers_busy 3.0")) << text;
  EXPECT_TRUE(has_line(text, "gatehouse_gateway_relayed_requests 5.0")) << text;
  EXPECT_TRUE(has_line(text, "gatehouse_gateway_rejected_requests_total 1.0")) << text;
}

TEST(ProxyMetrics, EscapesLabelValues) {
  ProxyMetrics metrics;
  metrics.record_request("a\"b\\c\nd", 400, 0, 0);
  const std::string text = metrics.render({});
  EXPECT_NE(text.find(R"(model_name="a\"b\\c\nd")"), std::string::npos) << text;
}

}  // namespace
}  // namespace gatehouse::gateway
