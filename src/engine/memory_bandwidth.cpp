#include "engine/memory_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "engine/thread_pool.h"

namespace gatehouse::engine {
namespace {

using Floats = float __attribute__((vector_size(16)));

// Sums `streams` equal parts of [begin, end) side by side, as a matrix-vector product reads its
// rows or panels.
float read_streams(const float* data, int64_t length, int streams) {
  constexpr int kMaxStreams = 8;
  const int64_t part = length / streams / 4 * 4;
  Floats sums[kMaxStreams] = {};
  for (int64_t i = 0; i < part; i += 4) {
    for (int s = 0; s < streams; ++s) {
      Floats value;
      __builtin_memcpy(&value, data + s * part + i, sizeof value);
      sums[s] += value;
    }
  }
  float total = 0;
  for (int s = 0; s < streams; ++s) total += sums[s][0] + sums[s][1] + sums[s][2] + sums[s][3];
  return total;
}

}  // namespace

constexpr int64_t kFloats = int64_t{256} << 20;  // 1 GiB

ReadBandwidthProbe::ReadBandwidthProbe(int threads)
    : pool_(std::make_unique<ThreadPool>(threads)), buffer_(kFloats * sizeof(float)) {
  std::fill_n(static_cast<float*>(buffer_.data()), kFloats, 1.0f);
}

ReadBandwidthProbe::~ReadBandwidthProbe() = default;

double ReadBandwidthProbe::measure() {
  constexpr int64_t kQuarter = kFloats / 4;
  const auto* data = static_cast<const float*>(buffer_.data());
  std::vector<float> sums(pool_->size());
  double best = 0;
  for (int quarter = 0; quarter < 4; ++quarter) {
    const int streams = 1 << quarter;
    const float* region = data + quarter * kQuarter;
    const auto start = std::chrono::steady_clock::now();
    pool_->run([&](int thread) {
      auto [begin, end] = pool_->share(thread, kQuarter, 4096);
      sums[thread] += read_streams(region + begin, end - begin, streams);
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(kQuarter * sizeof(float)) / seconds);
  }
  // The sums are used so the reads cannot be optimized away.
  return sums[0] > 0 ? best : 0;
}

}  // namespace gatehouse::engine
