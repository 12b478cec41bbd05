#include "serve/metrics.h"

namespace gatehouse::serve {
namespace {

// vLLM's buckets (vllm/v1/metrics/loggers.py).
const std::vector<double> kFirstTokenBounds = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
                                               1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
const std::vector<double> kTokenGapBounds = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,  0.3,  0.4, 0.5,
                                             0.75, 1.0,   2.5,  5.0,   7.5, 10.0, 20.0, 40.0, 80.0};
const std::vector<double> kRequestBounds = {0.3,  0.5,  0.8,  1.0,  1.5,  2.0,   2.5,   5.0,   10.0,   15.0,  20.0,
                                            30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
const std::vector<double> kIterationBounds = {1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};

// 1, 2, 5, 10, 20, 50, ... up to `limit`, as vLLM's build_1_2_5_buckets.
std::vector<double> one_two_five(int64_t limit) {
  std::vector<double> bounds;
  for (double exponent = 1;; exponent *= 10) {
    for (double mantissa : {1.0, 2.0, 5.0}) {
      if (mantissa * exponent > static_cast<double>(limit)) return bounds;
      bounds.push_back(mantissa * exponent);
    }
  }
}

using http::prometheus::header;
using http::prometheus::sample;

}  // namespace

Metrics::Metrics(std::string model_name, int64_t max_model_len)
    : labels_(http::prometheus::label("model_name", model_name)),
      time_to_first_token_(kFirstTokenBounds),
      inter_token_latency_(kTokenGapBounds),
      e2e_(kRequestBounds),
      queue_(kRequestBounds),
      prefill_(kRequestBounds),
      decode_(kRequestBounds),
      inference_(kRequestBounds),
      prompt_tokens_(one_two_five(max_model_len)),
      generation_tokens_(one_two_five(max_model_len)),
      max_tokens_(one_two_five(max_model_len)),
      n_({1, 2, 5, 10, 20}),
      iteration_tokens_(kIterationBounds) {}

void Metrics::record_step(int64_t scheduled_tokens) {
  std::lock_guard lock(mutex_);
  iteration_tokens_.observe(static_cast<double>(scheduled_tokens));
}

void Metrics::record_first_token(double time_to_first_token) {
  std::lock_guard lock(mutex_);
  time_to_first_token_.observe(time_to_first_token);
}

void Metrics::record_token_gap(double seconds) {
  std::lock_guard lock(mutex_);
  inter_token_latency_.observe(seconds);
}

void Metrics::record_prompt(int64_t tokens, int64_t cached_tokens) {
  std::lock_guard lock(mutex_);
  prompt_total_ += tokens;
  cache_queries_ += tokens;
  cache_hits_ += cached_tokens;
}

void Metrics::record_generated(int64_t tokens) {
  std::lock_guard lock(mutex_);
  generation_total_ += tokens;
}

void Metrics::record_finished(const FinishedRequest& request) {
  std::lock_guard lock(mutex_);
  ++successes_[request.finish_reason];
  e2e_.observe(request.e2e);
  queue_.observe(request.queue);
  prefill_.observe(request.prefill);
  decode_.observe(request.decode);
  inference_.observe(request.inference);
  prompt_tokens_.observe(static_cast<double>(request.prompt_tokens));
  generation_tokens_.observe(static_cast<double>(request.generation_tokens));
  max_tokens_.observe(static_cast<double>(request.max_tokens));
  n_.observe(static_cast<double>(request.n));
}

void Metrics::set_state(int64_t running, int64_t waiting, double kv_usage, int64_t preemptions) {
  std::lock_guard lock(mutex_);
  running_ = running;
  waiting_ = waiting;
  kv_usage_ = kv_usage;
  preemptions_ = preemptions;
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  auto gauge = [&](const std::string& name, const char* help, double value) {
    header(out, name, "gauge", help);
    sample(out, name, labels_, value);
  };
  auto counter = [&](const std::string& name, const char* help, double value) {
    header(out, name, "counter", help);
    sample(out, name, labels_, value);
  };
  auto histogram = [&](const std::string& name, const char* help, const Histogram& h) {
    header(out, name, "histogram", help);
    h.render(out, name, labels_);
  };
  gauge("vllm:num_requests_running", "Number of requests in model execution batches.", static_cast<double>(running_));
  gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", static_cast<double>(waiting_));
  gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", kv_usage_);
  counter("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.", static_cast<double>(preemptions_));
  counter("vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.",
          static_cast<double>(cache_queries_));
  counter("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.", static_cast<double>(cache_hits_));
  counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", static_cast<double>(prompt_total_));
  counter("vllm:generation_tokens_total", "Number of generation tokens processed.", static_cast<double>(generation_total_));
  header(out, "vllm:request_success_total", "counter", "Count of successfully processed requests.");
  for (const char* reason : {"stop", "length", "abort"}) {
    auto found = successes_.find(reason);
    sample(out, "vllm:request_success_total", "finished_reason=\"" + std::string(reason) + "\"," + labels_,
           found == successes_.end() ? 0.0 : static_cast<double>(found->second));
  }
  histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", time_to_first_token_);
  histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", inter_token_latency_);
  histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", e2e_);
  histogram("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", queue_);
  histogram("vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", prefill_);
  histogram("vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", decode_);
  histogram("vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request.", inference_);
  histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", prompt_tokens_);
  histogram("vllm:request_generation_tokens", "Number of generation tokens processed.", generation_tokens_);
  histogram("vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", max_tokens_);
  histogram("vllm:request_params_n", "Histogram of the n request parameter.", n_);
  histogram("vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.", iteration_tokens_);
  return out;
}

}  // namespace gatehouse::serve
