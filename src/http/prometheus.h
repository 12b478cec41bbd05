// Prometheus's text exposition format (0.0.4), shared by the two services' /metrics: serve's vLLM
// metrics and the gateway's. Numbers are written as Python's prometheus_client writes them (the
// shortest text that reads back, ".0" on whole numbers), label values escaped, and Histogram keeps
// one series of cumulative buckets. Free functions are stateless; a Histogram is a plain value
// its owner locks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::http::prometheus {

// 1.0, 0.25, 2560.0, +Inf.
std::string number(double value);
// name="value", with \, " and newlines escaped as the format requires.
std::string label(std::string_view name, std::string_view value);
// The # HELP and # TYPE lines of a metric.
void header(std::string& out, std::string_view name, std::string_view type, std::string_view help);
// One sample line: name{labels} value (no braces when labels is empty).
void sample(std::string& out, std::string_view name, std::string_view labels, double value);

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, ascending; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Appends the _bucket lines (le first, then `labels`), _count and _sum of `name`.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

}  // namespace gatehouse::http::prometheus
