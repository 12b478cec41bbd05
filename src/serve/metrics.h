// The server's Prometheus metrics under vLLM's names (vllm:time_to_first_token_seconds, ...), so
// dashboards written for vLLM work unchanged; every series carries model_name. Thread-safe: the
// engine thread records, /metrics renders.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "http/prometheus.h"

namespace gatehouse::serve {

// One finished request, as the metrics need it. Times in seconds.
struct FinishedRequest {
  std::string finish_reason;  // "stop", "length" or "abort"
  int64_t prompt_tokens = 0;
  int64_t generation_tokens = 0;
  int64_t max_tokens = 0;
  int64_t n = 1;
  double e2e = 0, queue = 0, prefill = 0, decode = 0, inference = 0;
};

class Metrics {
 public:
  Metrics(std::string model_name, int64_t max_model_len);

  void record_step(int64_t scheduled_tokens);
  void record_first_token(double time_to_first_token);
  void record_token_gap(double seconds);
  void record_prompt(int64_t tokens, int64_t cached_tokens);
  void record_generated(int64_t tokens);
  void record_finished(const FinishedRequest& request);
  void set_state(int64_t running, int64_t waiting, double kv_usage, int64_t preemptions);

  std::string render() const;  // Prometheus text format 0.0.4

 private:
  mutable std::mutex mutex_;
  std::string labels_;
  using Histogram = http::prometheus::Histogram;
  Histogram time_to_first_token_, inter_token_latency_, e2e_, queue_, prefill_, decode_, inference_;
  Histogram prompt_tokens_, generation_tokens_, max_tokens_, n_, iteration_tokens_;
  int64_t prompt_total_ = 0, generation_total_ = 0, cache_queries_ = 0, cache_hits_ = 0;
  std::map<std::string, int64_t> successes_;  // by finish reason
  int64_t running_ = 0, waiting_ = 0, preemptions_ = 0;
  double kv_usage_ = 0;
};

}  // namespace gatehouse::serve
