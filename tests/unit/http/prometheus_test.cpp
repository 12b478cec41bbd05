// The Prometheus text format both services' /metrics use.
#include "http/prometheus.h"

#include <gtest/gtest.h>

namespace gatehouse::http::prometheus {
namespace {

bool has_line(const std::string& text, const std::string& line) { return text.find("\n" + line + "\n") != std::string::npos; }

TEST(Prometheus, HistogramBucketsAreCumulativeWithCountAndSum) {
  Histogram histogram({0.1, 1.0});
  for (double value : {0.05, 0.1, 0.5, 7.0}) histogram.observe(value);
  std::string out = "\n";
  histogram.render(out, "h", "model_name=\"m\"");
  EXPECT_EQ(out,
            "\nh_bucket{le=\"0.1\",model_name=\"m\"} 2.0\nh_bucket{le=\"1.0\",model_name=\"m\"} 3.0\n"
            "h_bucket{le=\"+Inf\",model_name=\"m\"} 4.0\nh_count{model_name=\"m\"} 4.0\nh_sum{model_name=\"m\"} 7.65\n");
}

TEST(Prometheus, SeriesWithoutLabelsHaveNoBraces) {
  Histogram histogram({1.0});
  histogram.observe(0.5);
  std::string out = "\n";
  histogram.render(out, "h", "");
  sample(out, "c", "", 3);
  EXPECT_TRUE(has_line(out, "h_bucket{le=\"1.0\"} 1.0")) << out;
  EXPECT_TRUE(has_line(out, "h_count 1.0")) << out;
  EXPECT_TRUE(has_line(out, "h_sum 0.5")) << out;
  EXPECT_TRUE(has_line(out, "c 3.0")) << out;
}

TEST(Prometheus, NumbersAndLabelsAsPythonsClientWritesThem) {
  EXPECT_EQ(number(1), "1.0");
  EXPECT_EQ(number(0.00025), "0.00025");
  EXPECT_EQ(number(2560), "2560.0");
  EXPECT_EQ(number(1e21), "1e+21");
  EXPECT_EQ(label("model_name", "a\"b\\c\nd"), R"(model_name="a\"b\\c\nd")");
  std::string out;
  header(out, "x_total", "counter", "Things.");
  EXPECT_EQ(out, "# HELP x_total Things.\n# TYPE x_total counter\n");
}

}  // namespace
}  // namespace gatehouse::http::prometheus
