// The Prometheus text the server exposes under vLLM's names.
#include "serve/metrics.h"

#include <gtest/gtest.h>

namespace gatehouse::serve {
namespace {

bool has_line(const std::string& text, const std::string& line) { return text.find("\n" + line + "\n") != std::string::npos; }

TEST(Metrics, RendersVllmNamesWithTheModelLabel) {
  Metrics metrics("org/model", 4096);
  metrics.record_first_token(0.2);
  metrics.record_token_gap(0.03);
  metrics.record_prompt(100, 32);
  metrics.record_generated(10);
  metrics.record_step(64);
  metrics.record_finished({.finish_reason = "length", .prompt_tokens = 100, .generation_tokens = 10, .max_tokens = 10, .e2e = 1.5});
  metrics.set_state(3, 1, 0.25, 2);
  const std::string text = "\n" + metrics.render();
  const std::string label = "model_name=\"org/model\"";
  EXPECT_TRUE(has_line(text, "# TYPE vllm:num_requests_running gauge")) << text;
  EXPECT_TRUE(has_line(text, "vllm:num_requests_running{" + label + "} 3.0"));
  EXPECT_TRUE(has_line(text, "vllm:num_requests_waiting{" + label + "} 1.0"));
  EXPECT_TRUE(has_line(text, "vllm:kv_cache_usage_perc{" + label + "} 0.25"));
  EXPECT_TRUE(has_line(text, "vllm:prompt_tokens_total{" + label + "} 100.0"));
  EXPECT_TRUE(has_line(text, "vllm:generation_tokens_total{" + label + "} 10.0"));
  EXPECT_TRUE(has_line(text, "vllm:prefix_cache_hits_total{" + label + "} 32.0"));
  EXPECT_TRUE(has_line(text, "vllm:request_success_total{finished_reason=\"length\"," + label + "} 1.0"));
  EXPECT_TRUE(has_line(text, "vllm:request_success_total{finished_reason=\"stop\"," + label + "} 0.0"));
  EXPECT_TRUE(has_line(text, "vllm:time_to_first_token_seconds_count{" + label + "} 1.0"));
  EXPECT_TRUE(has_line(text, "vllm:time_to_first_token_seconds_bucket{le=\"0.25\"," + label + "} 1.0"));
  EXPECT_TRUE(has_line(text, "vllm:time_to_first_token_seconds_bucket{le=\"0.1\"," + label + "} 0.0"));
  EXPECT_TRUE(has_line(text, "vllm:inter_token_latency_seconds_count{" + label + "} 1.0"));
  EXPECT_TRUE(has_line(text, "vllm:e2e_request_latency_seconds_count{" + label + "} 1.0"));
  EXPECT_TRUE(has_line(text, "vllm:iteration_tokens_total_bucket{le=\"64.0\"," + label + "} 1.0"));
  // Token-count buckets follow 1-2-5 up to max_model_len.
  EXPECT_TRUE(has_line(text, "vllm:request_prompt_tokens_bucket{le=\"2000.0\"," + label + "} 1.0"));
  EXPECT_EQ(text.find("le=\"5000.0\""), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::serve
