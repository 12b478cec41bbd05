// The gateway's Prometheus metrics (text format 0.0.4), named gatehouse_gateway_*: requests by
// model group and status, request duration and the gateway's own overhead (total time less the
// time spent waiting on upstreams, TensorZero's definition) as histograms, tokens in and out,
// upstream failures by deployment and status. Cooldowns and the worker pool's load are read when
// rendering, from the callers that own them. Thread-safe: request threads record, /metrics renders.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "http/prometheus.h"

namespace gatehouse::gateway {

// Gauges owned elsewhere, sampled when /metrics is read.
struct MetricsSnapshot {
  std::vector<std::string> deployments;            // every deployment id
  std::vector<std::string> cooling_down;           // the ids cooling down now
  int64_t cooldowns_total = 0;                     // cooldowns started since start
  int64_t workers = 0, workers_busy = 0, queued = 0;
  int64_t relayed = 0;  // calls the event loop relays now (no worker)
};

class ProxyMetrics {
 public:
  ProxyMetrics();

  // One answered request: its model group (empty when unknown), final status, total seconds and
  // overhead seconds.
  void record_request(const std::string& model_name, int status, double seconds, double overhead_seconds);
  void record_tokens(const std::string& model_name, int64_t prompt_tokens, int64_t completion_tokens);
  void record_upstream_failure(const std::string& deployment_id, int status);
  void record_rejected();  // refused at once: the worker queue was full

  std::string render(const MetricsSnapshot& snapshot) const;

 private:
  struct ModelStats {
    ModelStats();
    std::map<int, int64_t> requests;  // by status
    http::prometheus::Histogram duration, overhead;
    int64_t prompt_tokens = 0, completion_tokens = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::string, ModelStats> models_;
  std::map<std::pair<std::string, int>, int64_t> upstream_failures_;
  int64_t rejected_ = 0;
};

}  // namespace gatehouse::gateway
