#include "engine/memory_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/thread_pool.h"

namespace gatehouse::engine {

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
      sums[thread] += kernels::kernels().sum_streams(region + begin, end - begin, streams);
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(kQuarter * sizeof(float)) / seconds);
  }
  // The sums are used so the reads cannot be optimized away.
  return sums[0] > 0 ? best : 0;
}

}  // namespace gatehouse::engine
