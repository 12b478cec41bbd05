#include "engine/memory_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/thread_pool.h"

namespace gatehouse::engine {

double measure_read_bandwidth(int threads) {
  constexpr int64_t kFloats = int64_t{256} << 20;  // 1 GiB
  std::vector<float> buffer(kFloats, 1.0f);
  ThreadPool pool(threads);
  std::vector<float> sums(pool.size());
  double best = 0;
  for (int pass = 0; pass < 5; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    pool.run([&](int thread) {
      auto [begin, end] = pool.share(thread, kFloats, 4096);
      // dot(x, x) reads each float once; the result is kept so the loop is not optimized away.
      sums[thread] = kernels::kernels().dot_f32(buffer.data() + begin, buffer.data() + begin, end - begin);
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(kFloats * sizeof(float)) / seconds);
  }
  return sums[0] > 0 ? best : 0;
}

}  // namespace gatehouse::engine
