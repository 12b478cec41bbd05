// Single-thread throughput of the matrix kernels (bf16 rows and panels, q8_0, q4_0, f16, f32) at Llama-3.2-1B
// shapes, beside this machine's ceilings: prefill (m = 128) in GFLOP/s against the vdpbf16ps peak,
// decode (m = 1, 4, 8) in GB/s of weights against a plain sequential read of as many bytes.
// Buffers are 4 KiB aligned; decode rotates over several copies of the weights (hundreds of MiB)
// so they come from memory. The fastest of many runs is reported, since the machine may be shared.
//
//   g++ -std=c++20 -O2 -Isrc bench/engine/kernels_bench.cpp
//   <build>/src/engine/libgatehouse_engine.a
//       -o kernels_bench && ./kernels_bench [scalar|avx2|avx512]
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "engine/kernels/kernels.h"

namespace {

using gatehouse::engine::kernels::Isa;
using gatehouse::engine::kernels::KernelTable;
using gatehouse::engine::kernels::bf16_panels_size;
using gatehouse::engine::kernels::q8_0_panels_bytes;

template <class T>
struct PageAligned {
  using value_type = T;
  PageAligned() = default;
  template <class U>
  PageAligned(const PageAligned<U>&) {}
  T* allocate(size_t n) {
    return static_cast<T*>(std::aligned_alloc(4096, (n * sizeof(T) + 4095) / 4096 * 4096));
  }
  void deallocate(T* p, size_t) { std::free(p); }
  template <class U>
  bool operator==(const PageAligned<U>&) const {
    return true;
  }
};
template <class T>
using Buffer = std::vector<T, PageAligned<T>>;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The fastest of `trials` runs, in seconds.
double fastest(int trials, const std::function<void()>& run) {
  double best = 1e30;
  for (int i = 0; i < trials; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    best = std::min(best, seconds_since(start));
  }
  return best;
}

// vdpbf16ps on registers: 24 independent accumulators, 64 flops per instruction.
__attribute__((target("avx512f,avx512bf16"))) double bf16_peak_gflops() {
  constexpr int64_t kIterations = 10'000'000;
  __m512 acc[24];
  for (__m512& a : acc) a = _mm512_setzero_ps();
  __m512bh x = (__m512bh)_mm512_set1_epi16(0x3F80);
  __m512bh w = x;
  double best = 1e30;
  for (int trial = 0; trial < 5; ++trial) {
    const auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < kIterations; ++i) {
#pragma GCC unroll 24
      for (__m512& a : acc) a = _mm512_dpbf16_ps(a, x, w);
      asm volatile("" : "+v"(x), "+v"(w));
    }
    best = std::min(best, seconds_since(start));
  }
  asm volatile("" ::"m"(acc));
  return 24.0 * 64 * kIterations / best / 1e9;
}

// Reads every cache line of `bytes` bytes at p once.
uint64_t touch_lines(const uint64_t* p, int64_t bytes) {
  uint64_t sums[4] = {};
  for (int64_t i = 0; i < bytes / 8; i += 32) {
    for (int j = 0; j < 4; ++j) sums[j] += p[i + 8 * j];
  }
  return sums[0] + sums[1] + sums[2] + sums[3];
}

// x in q8_0 with its blocks' sums, as the engine's activations.
void quantize(const KernelTable& kernels, const float* x, int64_t n, int8_t* q, float* scales, int32_t* sums) {
  kernels.quantize_q8_0(x, n, q, scales);
  for (int64_t b = 0; b < n / 32; ++b) {
    sums[b] = 0;
    for (int i = 0; i < 32; ++i) sums[b] += q[b * 32 + i];
  }
}

// w [n][k] in bf16 panels, as the engine loads resident weights.
void pack_bf16(const uint16_t* w, int64_t n, int64_t k, uint16_t* out) {
  namespace kernels_ns = gatehouse::engine::kernels;
  for (int64_t p = 0; p * kernels_ns::kPanelRows < n; ++p) {
    kernels_ns::pack_bf16_panel(w, n, k, p, out + p * kernels_ns::kPanelRows * k);
  }
}

// w [n][k] (n a multiple of 16) quantized to q8_0 panels, as the engine loads weights.
void pack_q8_0(const KernelTable& kernels, const float* w, int64_t n, int64_t k, uint8_t* out) {
  namespace kernels_ns = gatehouse::engine::kernels;
  std::vector<int8_t> q(kernels_ns::kPanelRows * k);
  std::vector<float> scales(kernels_ns::kPanelRows * k / 32);
  for (int64_t p = 0; p < n / kernels_ns::kPanelRows; ++p) {
    kernels.quantize_q8_0(w + p * kernels_ns::kPanelRows * k, kernels_ns::kPanelRows * k, q.data(), scales.data());
    kernels_ns::pack_q8_0_panel(q.data(), scales.data(), kernels_ns::kPanelRows, k,
                                out + p * k / 32 * kernels_ns::kQ8PanelBlockBytes);
  }
}

struct Prefill {
  const KernelTable& kernels;
  double peak;  // GFLOP/s, 0 when unknown

  void run(int64_t m, int64_t k, int64_t n) const {
    Buffer<float> xf(m * k), wf(n * k), y(m * n);
    for (size_t i = 0; i < xf.size(); ++i) xf[i] = static_cast<float>(i % 61) / 61.0f - 0.5f;
    for (size_t i = 0; i < wf.size(); ++i) wf[i] = static_cast<float>(i % 53) / 53.0f - 0.5f;
    Buffer<uint16_t> xb(m * k), wb(n * k), wh(n * k);
    kernels.round_to_bf16(xf.data(), m * k, xb.data());
    kernels.round_to_bf16(wf.data(), n * k, wb.data());
    for (size_t i = 0; i < wh.size(); ++i) wh[i] = gatehouse::engine::kernels::f32_to_f16(wf[i]);
    Buffer<int8_t> xq(m * k);
    Buffer<float> xs(m * k / 32);
    Buffer<int32_t> x_sums(m * k / 32);
    quantize(kernels, xf.data(), m * k, xq.data(), xs.data(), x_sums.data());
    Buffer<uint8_t> w8(q8_0_panels_bytes(n, k));
    pack_q8_0(kernels, wf.data(), n, k, w8.data());
    Buffer<uint8_t> w4(n * k / 2);
    Buffer<float> w4s(n * k / 32);
    for (int64_t r = 0; r < n; ++r) {
      kernels.quantize_q4_0(wf.data() + r * k, k, w4.data() + r * k / 2, w4s.data() + r * k / 32);
    }
    const double flop = 2.0 * m * n * k;
    Buffer<uint16_t> wp(bf16_panels_size(n, k));
    pack_bf16(wb.data(), n, k, wp.data());
    report("bf16", m, k, n, flop,
           [&] { kernels.matmul_bf16(xb.data(), m, k, wb.data(), 0, n, y.data(), n); });
    report("bf16 panels", m, k, n, flop,
           [&] { kernels.matmul_bf16_panels(xb.data(), m, k, wp.data(), 0, n, y.data(), n); });
    report("q8_0", m, k, n, flop, [&] {
      kernels.matmul_q8_0(xq.data(), xs.data(), x_sums.data(), m, k, w8.data(), 0, n, y.data(), n);
    });
    report("q4_0", m, k, n, flop, [&] {
      kernels.matmul_q4_0(xq.data(), xs.data(), m, k, w4.data(), w4s.data(), 0, n, y.data(), n);
    });
    report("f16", m, k, n, flop,
           [&] { kernels.matmul_f16(xf.data(), m, k, wh.data(), 0, n, y.data(), n); });
    report("f32", m, k, n, flop,
           [&] { kernels.matmul_f32(xf.data(), m, k, wf.data(), 0, n, y.data(), n); });
  }

  void report(const char* type, int64_t m, int64_t k, int64_t n, double flop,
              const std::function<void()>& product) const {
    const double gflops = flop / fastest(15, product) / 1e9;
    std::printf("prefill %-11s m=%ld k=%ld n=%ld: %6.1f GFLOP/s", type, m, k, n, gflops);
    if (peak > 0) std::printf("  (%.2f of the vdpbf16ps peak %.0f)", gflops / peak, peak);
    std::printf("\n");
  }
};

struct Decode {
  static constexpr int kCopies = 24;
  const KernelTable& kernels;

  void run(int64_t k, int64_t n) const {
    Buffer<uint16_t> wb(n * k * kCopies);
    for (size_t i = 0; i < wb.size(); ++i) wb[i] = static_cast<uint16_t>(0x3C00 ^ (i & 0x3F));
    Buffer<uint16_t> wp(n * k * kCopies);
    for (int c = 0; c < kCopies; ++c) pack_bf16(wb.data() + c * n * k, n, k, wp.data() + c * n * k);
    const int64_t q8_bytes = q8_0_panels_bytes(n, k);
    Buffer<uint8_t> w8(q8_bytes * kCopies);
    {
      Buffer<float> wf(n * k);
      for (size_t i = 0; i < wf.size(); ++i) wf[i] = static_cast<float>(i % 53) / 53.0f - 0.5f;
      pack_q8_0(kernels, wf.data(), n, k, w8.data());
      for (int c = 1; c < kCopies; ++c) std::copy(w8.begin(), w8.begin() + q8_bytes, w8.begin() + c * q8_bytes);
    }
    Buffer<float> ws(n * k / 32 * kCopies, 0.01f);
    Buffer<uint8_t> w4(n * k / 2 * kCopies);
    for (size_t i = 0; i < w4.size(); ++i) w4[i] = static_cast<uint8_t>(i * 7);
    Buffer<float> xf(8 * k, 0.25f), y(8 * n);
    Buffer<uint16_t> xb(8 * k);
    kernels.round_to_bf16(xf.data(), 8 * k, xb.data());
    Buffer<int8_t> xq(8 * k);
    Buffer<float> xs(8 * k / 32);
    Buffer<int32_t> x_sums(8 * k / 32);
    quantize(kernels, xf.data(), 8 * k, xq.data(), xs.data(), x_sums.data());

    int copy = 0;
    uint64_t sink = 0;
    const int64_t bf16_bytes = n * k * 2;
    const double read =
        bf16_bytes /
        fastest(2 * kCopies,
                [&] {
                  sink += touch_lines(
                      reinterpret_cast<const uint64_t*>(wb.data() + (copy++ % kCopies) * n * k),
                      bf16_bytes);
                }) /
        1e9;
    std::printf("sequential read of %ld MiB: %.1f GB/s%s\n", bf16_bytes >> 20, read,
                sink == 1 ? " " : "");
    for (int64_t m : {1, 4, 8}) {
      const double gbs =
          bf16_bytes /
          fastest(2 * kCopies,
                  [&] {
                    kernels.matmul_bf16(xb.data(), m, k, wb.data() + (copy++ % kCopies) * n * k, 0,
                                        n, y.data(), n);
                  }) /
          1e9;
      std::printf("decode bf16 m=%ld k=%ld n=%ld: %5.1f GB/s of weights (%.2f of the read)\n", m, k,
                  n, gbs, gbs / read);
    }
    for (int64_t m : {1, 4, 8}) {
      const double gbs =
          bf16_bytes /
          fastest(2 * kCopies,
                  [&] {
                    kernels.matmul_bf16_panels(xb.data(), m, k, wp.data() + (copy++ % kCopies) * n * k, 0, n,
                                               y.data(), n);
                  }) /
          1e9;
      std::printf("decode bf16 panels m=%ld k=%ld n=%ld: %5.1f GB/s of weights (%.2f of the read)\n", m, k,
                  n, gbs, gbs / read);
    }
    for (int64_t m : {1, 4, 8}) {
      const double gbs =
          q8_bytes /
          fastest(2 * kCopies,
                  [&] {
                    const int64_t c = copy++ % kCopies;
                    kernels.matmul_q8_0(xq.data(), xs.data(), x_sums.data(), m, k, w8.data() + c * q8_bytes, 0,
                                        n, y.data(), n);
                  }) /
          1e9;
      std::printf(
          "decode q8_0 m=%ld k=%ld n=%ld: %5.1f GB/s of panels (%.2f of the read)\n", m,
          k, n, gbs, gbs / read);
    }
    const int64_t q4_bytes = n * k / 2 + n * k / 32 * 4;
    for (int64_t m : {1, 4, 8}) {
      const double gbs =
          q4_bytes /
          fastest(2 * kCopies,
                  [&] {
                    const int64_t c = copy++ % kCopies;
                    kernels.matmul_q4_0(xq.data(), xs.data(), m, k, w4.data() + c * n * k / 2,
                                        ws.data() + c * n * k / 32, 0, n, y.data(), n);
                  }) /
          1e9;
      std::printf(
          "decode q4_0 m=%ld k=%ld n=%ld: %5.1f GB/s of weights and scales (%.2f of the read)\n", m,
          k, n, gbs, gbs / read);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  namespace kernels = gatehouse::engine::kernels;
  Isa isa = kernels::detect_isa();
  for (Isa candidate : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (argc > 1 && kernels::isa_name(candidate) == argv[1]) isa = candidate;
  }
  if (!kernels::cpu_supports(isa)) {
    std::fprintf(stderr, "this CPU cannot run %s\n", std::string(kernels::isa_name(isa)).c_str());
    return 1;
  }
  std::printf("kernels: %s, one thread\n", std::string(kernels::isa_name(isa)).c_str());
  const double peak = kernels::cpu_supports(Isa::avx512) ? bf16_peak_gflops() : 0.0;
  const Prefill prefill{kernels::kernels_for(isa), peak};
  prefill.run(128, 2048, 2048);
  prefill.run(128, 2048, 8192);
  prefill.run(128, 8192, 2048);
  Decode{kernels::kernels_for(isa)}.run(2048, 8192);
  Decode{kernels::kernels_for(isa)}.run(2048, 2048);
  return 0;
}
