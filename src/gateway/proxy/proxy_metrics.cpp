#include "gateway/proxy/proxy_metrics.h"

#include <algorithm>

namespace gatehouse::gateway {
namespace {

// Seconds: the overhead is micro- to milliseconds, whole requests milliseconds to minutes.
const std::vector<double> kOverheadBounds = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0};
const std::vector<double> kDurationBounds = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                                             2.5,   5.0,   10.0, 30.0,  60.0, 120.0, 300.0, 600.0};

using http::prometheus::header;
using http::prometheus::label;
using http::prometheus::sample;

}  // namespace

ProxyMetrics::ModelStats::ModelStats() : duration(kDurationBounds), overhead(kOverheadBounds) {}

ProxyMetrics::ProxyMetrics() = default;

void ProxyMetrics::record_request(const std::string& model_name, int status, double seconds, double overhead_seconds) {
  std::lock_guard lock(mutex_);
  ModelStats& stats = models_[model_name];
  ++stats.requests[status];
  stats.duration.observe(seconds);
  stats.overhead.observe(overhead_seconds);
}

void ProxyMetrics::record_tokens(const std::string& model_name, int64_t prompt_tokens, int64_t completion_tokens) {
  std::lock_guard lock(mutex_);
  ModelStats& stats = models_[model_name];
  stats.prompt_tokens += prompt_tokens;
  stats.completion_tokens += completion_tokens;
}

void ProxyMetrics::record_upstream_failure(const std::string& deployment_id, int status) {
  std::lock_guard lock(mutex_);
  ++upstream_failures_[{deployment_id, status}];
}

void ProxyMetrics::record_rejected() {
  std::lock_guard lock(mutex_);
  ++rejected_;
}

std::string ProxyMetrics::render(const MetricsSnapshot& snapshot) const {
  std::string out;
  std::lock_guard lock(mutex_);
  header(out, "gatehouse_gateway_requests_total", "counter", "Requests answered, by model group and HTTP status.");
  for (const auto& [model, stats] : models_) {
    for (const auto& [status, count] : stats.requests) {
      sample(out, "gatehouse_gateway_requests_total", label("model_name", model) + "," + label("status", std::to_string(status)),
             static_cast<double>(count));
    }
  }
  header(out, "gatehouse_gateway_request_duration_seconds", "histogram", "Time from request to the end of the answer.");
  for (const auto& [model, stats] : models_) stats.duration.render(out, "gatehouse_gateway_request_duration_seconds", label("model_name", model));
  header(out, "gatehouse_gateway_overhead_seconds", "histogram",
         "Time the gateway added: total time (to the first byte for streams) less the time waiting on upstreams.");
  for (const auto& [model, stats] : models_) stats.overhead.render(out, "gatehouse_gateway_overhead_seconds", label("model_name", model));
  header(out, "gatehouse_gateway_prompt_tokens_total", "counter", "Prompt tokens the upstreams reported.");
  for (const auto& [model, stats] : models_) {
    sample(out, "gatehouse_gateway_prompt_tokens_total", label("model_name", model), static_cast<double>(stats.prompt_tokens));
  }
  header(out, "gatehouse_gateway_completion_tokens_total", "counter", "Completion tokens the upstreams reported.");
  for (const auto& [model, stats] : models_) {
    sample(out, "gatehouse_gateway_completion_tokens_total", label("model_name", model), static_cast<double>(stats.completion_tokens));
  }
  header(out, "gatehouse_gateway_upstream_failures_total", "counter", "Failed upstream calls, by deployment and the status they mapped to.");
  for (const auto& [key, count] : upstream_failures_) {
    sample(out, "gatehouse_gateway_upstream_failures_total", label("deployment", key.first) + "," + label("status", std::to_string(key.second)),
           static_cast<double>(count));
  }
  header(out, "gatehouse_gateway_deployment_cooling_down", "gauge", "1 while the deployment is out of rotation after failures.");
  for (const std::string& id : snapshot.deployments) {
    const bool cooling = std::find(snapshot.cooling_down.begin(), snapshot.cooling_down.end(), id) != snapshot.cooling_down.end();
    sample(out, "gatehouse_gateway_deployment_cooling_down", label("deployment", id), cooling ? 1 : 0);
  }
  header(out, "gatehouse_gateway_cooldowns_total", "counter", "Cooldowns started.");
  sample(out, "gatehouse_gateway_cooldowns_total", "", static_cast<double>(snapshot.cooldowns_total));
  header(out, "gatehouse_gateway_workers_busy", "gauge", "Upstream worker threads running a request.");
  sample(out, "gatehouse_gateway_workers_busy", "", static_cast<double>(snapshot.workers_busy));
  header(out, "gatehouse_gateway_workers", "gauge", "Upstream worker threads.");
  sample(out, "gatehouse_gateway_workers", "", static_cast<double>(snapshot.workers));
  header(out, "gatehouse_gateway_relayed_requests", "gauge", "Requests the event loop relays now, without a worker.");
  sample(out, "gatehouse_gateway_relayed_requests", "", static_cast<double>(snapshot.relayed));
  header(out, "gatehouse_gateway_queued_requests", "gauge", "Requests waiting for a worker.");
  sample(out, "gatehouse_gateway_queued_requests", "", static_cast<double>(snapshot.queued));
  header(out, "gatehouse_gateway_rejected_requests_total", "counter", "Requests refused with 429 because the queue was full.");
  sample(out, "gatehouse_gateway_rejected_requests_total", "", static_cast<double>(rejected_));
  return out;
}

}  // namespace gatehouse::gateway
