// Portable kernels for CPUs without AVX2, and the reference the vector sets are tested against.
// Dot products keep eight running sums (element i goes to sum i % 8, in order) and add them up
// pairwise, which the compiler can keep in SSE registers.
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "engine/kernels/isa_tables.h"
#include "engine/kernels/kernels.h"
#include "engine/kernels/lane_kernels.h"

namespace gatehouse::engine::kernels {
namespace {

constexpr int kLanes = 8;

// bf16_to_f32, visible to the compiler here so the loops below stay loops.
float widen_bf16(uint16_t value) { return std::bit_cast<float>(uint32_t{value} << 16); }

template <class LoadX, class LoadW>
float dot(int64_t k, LoadX load_x, LoadW load_w) {
  float sums[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= k; i += kLanes) {
    for (int lane = 0; lane < kLanes; ++lane) sums[lane] += load_x(i + lane) * load_w(i + lane);
  }
  for (int lane = 0; i + lane < k; ++lane) sums[lane] += load_x(i + lane) * load_w(i + lane);
  for (int width = kLanes / 2; width > 0; width /= 2) {
    for (int lane = 0; lane < width; ++lane) sums[lane] += sums[lane + width];
  }
  return sums[0];
}

template <class RowDot>
void matmul(int64_t m, int64_t n_begin, int64_t n_end, float* y, int64_t y_stride, RowDot row_dot) {
  for (int64_t row = 0; row < m; ++row) {
    for (int64_t n = n_begin; n < n_end; ++n) y[row * y_stride + n] = row_dot(row, n);
  }
}

void matmul_f32(const float* x, int64_t m, int64_t k, const float* w, int64_t n_begin,
                int64_t n_end, float* y, int64_t y_stride) {
  matmul(m, n_begin, n_end, y, y_stride, [&](int64_t row, int64_t n) {
    const float* xr = x + row * k;
    const float* wr = w + n * k;
    return dot(
        k, [xr](int64_t i) { return xr[i]; }, [wr](int64_t i) { return wr[i]; });
  });
}

void matmul_f16(const float* x, int64_t m, int64_t k, const uint16_t* w, int64_t n_begin,
                int64_t n_end, float* y, int64_t y_stride) {
  matmul(m, n_begin, n_end, y, y_stride, [&](int64_t row, int64_t n) {
    const float* xr = x + row * k;
    const uint16_t* wr = w + n * k;
    return dot(
        k, [xr](int64_t i) { return xr[i]; }, [wr](int64_t i) { return f16_to_f32(wr[i]); });
  });
}

void matmul_bf16(const uint16_t* x, int64_t m, int64_t k, const uint16_t* w, int64_t n_begin,
                 int64_t n_end, float* y, int64_t y_stride) {
  matmul(m, n_begin, n_end, y, y_stride, [&](int64_t row, int64_t n) {
    const uint16_t* xr = x + row * k;
    const uint16_t* wr = w + n * k;
    return dot(
        k, [xr](int64_t i) { return widen_bf16(xr[i]); },
        [wr](int64_t i) { return widen_bf16(wr[i]); });
  });
}

// One running sum per output over k's pairs in order, as the vector sets take them.
void matmul_bf16_panels(const uint16_t* x, int64_t m, int64_t k, const uint16_t* panels, int64_t n_begin,
                        int64_t n_end, float* y, int64_t y_stride) {
  matmul(m, n_begin, n_end, y, y_stride, [&](int64_t row, int64_t n) {
    const uint16_t* xr = x + row * k;
    const uint16_t* pairs = panels + n / kPanelRows * kPanelRows * k + n % kPanelRows * 2;
    float sum = 0.0f;
    for (int64_t j = 0; j < k / 2; ++j) {
      const uint16_t* pair = pairs + j * 2 * kPanelRows;
      sum += widen_bf16(xr[2 * j]) * widen_bf16(pair[0]);
      sum += widen_bf16(xr[2 * j + 1]) * widen_bf16(pair[1]);
    }
    return sum;
  });
}

// Each block's integer dot product, then the f32 sum kernels.h defines (x_sums is not needed).
void matmul_q8_0(const int8_t* xq, const float* xs, const int32_t* /*x_sums*/, int64_t m, int64_t k,
                 const uint8_t* panels, int64_t n_begin, int64_t n_end, float* y, int64_t y_stride) {
  const int64_t blocks = k / kQ8BlockSize;
  matmul(m, n_begin, n_end, y, y_stride, [&](int64_t row, int64_t n) {
    const uint8_t* panel = panels + n / kPanelRows * blocks * kQ8PanelBlockBytes;
    const int64_t r = n % kPanelRows;
    float sum = 0.0f;
    for (int64_t b = 0; b < blocks; ++b) {
      const uint8_t* wb = panel + b * kQ8PanelBlockBytes;
      const int8_t* xb = xq + row * k + b * kQ8BlockSize;
      int32_t block_dot = 0;
      for (int i = 0; i < kQ8BlockSize; ++i) {
        block_dot += int32_t{xb[i]} * (int32_t{wb[i / 4 * 4 * kPanelRows + r * 4 + i % 4]} - 128);
      }
      float w_scale;
      std::memcpy(&w_scale, wb + kPanelRows * kQ8BlockSize + r * sizeof(float), sizeof(w_scale));
      sum = std::fma(static_cast<float>(block_dot), w_scale * xs[row * blocks + b], sum);
    }
    return sum;
  });
}

void matmul_q4_0(const int8_t* xq, const float* xs, int64_t m, int64_t k, const uint8_t* wq,
                 const float* ws, int64_t n_begin, int64_t n_end, float* y, int64_t y_stride) {
  const int64_t blocks = k / kQ8BlockSize;
  matmul(m, n_begin, n_end, y, y_stride, [&](int64_t row, int64_t n) {
    float sum = 0.0f;
    for (int64_t b = 0; b < blocks; ++b) {
      const uint8_t* wb = wq + (n * blocks + b) * kQ4BlockBytes;
      const int8_t* xb = xq + row * k + b * kQ8BlockSize;
      int32_t block_dot = 0;
      for (int i = 0; i < kQ4BlockBytes; ++i) {
        block_dot += int32_t{xb[i]} * ((wb[i] & 0x0F) - 8);
        block_dot += int32_t{xb[i + kQ4BlockBytes]} * ((wb[i] >> 4) - 8);
      }
      sum += xs[row * blocks + b] * ws[n * blocks + b] * static_cast<float>(block_dot);
    }
    return sum;
  });
}

void round_to_bf16(const float* x, int64_t n, uint16_t* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = f32_to_bf16(x[i]);
}

void quantize_q8_0(const float* x, int64_t n, int8_t* q, float* scales) {
  for (int64_t b = 0; b < n / kQ8BlockSize; ++b) {
    const float* xb = x + b * kQ8BlockSize;
    float amax = 0.0f;
    for (int i = 0; i < kQ8BlockSize; ++i) amax = std::fmax(amax, std::fabs(xb[i]));
    const float scale = amax / 127.0f;
    const float inverse = scale != 0.0f ? 1.0f / scale : 0.0f;
    scales[b] = scale;
    for (int i = 0; i < kQ8BlockSize; ++i) {
      q[b * kQ8BlockSize + i] = static_cast<int8_t>(std::round(xb[i] * inverse));
    }
  }
}

}  // namespace

void quantize_q4_0(const float* x, int64_t n, uint8_t* q, float* scales) {
  for (int64_t b = 0; b < n / kQ8BlockSize; ++b) {
    const float* xb = x + b * kQ8BlockSize;
    float amax = 0.0f;
    float max = 0.0f;
    for (int i = 0; i < kQ8BlockSize; ++i) {
      if (amax < std::fabs(xb[i])) {
        amax = std::fabs(xb[i]);
        max = xb[i];
      }
    }
    const float d = max / -8.0f;
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    scales[b] = d;
    // min(15, trunc(v)) for v >= 0 (always so, as |x| <= |max|), written so that NaN gives 15
    // rather than an undefined conversion.
    auto q4 = [inverse](float x) {
      const float v = x * inverse + 8.5f;
      return v < 15.0f ? static_cast<uint8_t>(v > 0.0f ? v : 0.0f) : uint8_t{15};
    };
    for (int i = 0; i < kQ4BlockBytes; ++i) {
      q[b * kQ4BlockBytes + i] = static_cast<uint8_t>(q4(xb[i]) | q4(xb[i + kQ4BlockBytes]) << 4);
    }
  }
}

namespace {

// lane_kernels.h's operations on one lane (std::fma is a library call without FMA hardware: slow,
// but the same bits as the vector sets).
struct ScalarLanes {
  using V = float;
  using Mask = bool;
  static constexpr int64_t kLanes = 1;
  static Mask lanes_below(int64_t i, int64_t n) { return i < n; }
  static V load(const float* p, Mask mask) { return mask ? *p : 0.0f; }
  static V load_or(const float* p, Mask mask, float fill) { return mask ? *p : fill; }
  static void store(float* p, Mask mask, V v) {
    if (mask) *p = v;
  }
  static V set1(float value) { return value; }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V mul(V a, V b) { return a * b; }
  static V div(V a, V b) { return a / b; }
  static V min(V a, V b) { return a < b ? a : b; }
  static V max(V a, V b) { return a > b ? a : b; }
  static V fmadd(V a, V b, V c) { return std::fma(a, b, c); }
  static V round_nearest(V v) { return std::nearbyint(v); }
  static V pow2(V n) { return std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23); }
  static V negate(V v) { return -v; }
  static V zero_outside(Mask mask, V v) { return mask ? v : 0.0f; }
  static float sum(V v) { return v; }
  static float max_of(V v) { return v; }
  static void store_sums4(float* out, V a, V b, V c, V d, float scale) {
    out[0] = scale * a;
    out[1] = scale * b;
    out[2] = scale * c;
    out[3] = scale * d;
  }
};

}  // namespace

const KernelTable& scalar_kernels() {
  static constexpr KernelTable table{matmul_f32,    matmul_f16,    matmul_bf16,   matmul_bf16_panels, matmul_q8_0,
                                     matmul_q4_0,   round_to_bf16, quantize_q8_0, quantize_q4_0,
                                     dot_rows<ScalarLanes>, add_weighted_rows<ScalarLanes>,
                                     softmax<ScalarLanes>,  silu_mul<ScalarLanes>,
                                     sum_streams<ScalarLanes>};
  return table;
}

}  // namespace gatehouse::engine::kernels
