// Every instruction set's kernels against a double-precision reference on awkward shapes, batched
// against row-by-row results bit for bit, the set-independent outputs (quantize_q8_0,
// round_to_bf16) against the scalar set, quantize_q4_0 against llama.cpp's formula, and the
// scalar conversions at their edge cases.
#include "engine/kernels/kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace gatehouse::engine::kernels {
namespace {

std::vector<Isa> supported_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (cpu_supports(isa)) isas.push_back(isa);
  }
  return isas;
}

std::vector<float> random_floats(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& v : values) v = dist(rng);
  return values;
}

std::vector<uint16_t> to_bf16(const std::vector<float>& values) {
  std::vector<uint16_t> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) out[i] = f32_to_bf16(values[i]);
  return out;
}

std::vector<uint16_t> to_f16(const std::vector<float>& values) {
  std::vector<uint16_t> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) out[i] = f32_to_f16(values[i]);
  return out;
}

uint32_t bits(float value) { return std::bit_cast<uint32_t>(value); }
float from_bits(uint32_t value) { return std::bit_cast<float>(value); }

// The product under test as a function of (first row, row count, n_begin, n_end, y, y_stride),
// and one output's reference value and error scale (the sum of |x * w|).
struct Product {
  std::function<void(int64_t m0, int64_t m, int64_t n_begin, int64_t n_end, float* y,
                     int64_t y_stride)>
      run;
  std::function<double(int64_t row, int64_t n)> reference;
  std::function<double(int64_t row, int64_t n)> magnitude;
};

// A shape to test: rows of x, their length k, and the row counts to run at once.
struct Shape {
  int64_t rows;
  int64_t k;
  std::vector<int64_t> batches;
};

constexpr int64_t kCols = 53;  // more than three 16-row panels
constexpr int64_t kNBegin = 3;
constexpr int64_t kStride = kCols + 5;
constexpr float kGuard = -12345.0f;

// Runs each batch of rows at once over n in [kNBegin, kCols) and checks the reference, the
// untouched columns, and row-by-row and split-range runs bit for bit.
void check_product(const Shape& shape, const Product& product, double tolerance) {
  for (int64_t m : shape.batches) {
    SCOPED_TRACE("m=" + std::to_string(m));
    std::vector<float> batched(m * kStride, kGuard);
    product.run(0, m, kNBegin, kCols, batched.data(), kStride);
    for (int64_t row = 0; row < m; ++row) {
      for (int64_t n = 0; n < kStride; ++n) {
        const float got = batched[row * kStride + n];
        if (n < kNBegin || n >= kCols) {
          ASSERT_EQ(got, kGuard) << "wrote outside the range at row " << row << " col " << n;
          continue;
        }
        ASSERT_NEAR(got, product.reference(row, n), tolerance * product.magnitude(row, n) + 1e-30)
            << "row " << row << " col " << n;
      }
    }
    for (int64_t row = 0; row < m; ++row) {
      std::vector<float> single(kStride, kGuard);
      product.run(row, 1, kNBegin, kCols, single.data(), kStride);
      std::vector<float> split(kStride, kGuard);
      product.run(row, 1, kNBegin, kNBegin + 2, split.data(), kStride);
      product.run(row, 1, kNBegin + 2, kCols - 16, split.data(), kStride);
      product.run(row, 1, kCols - 16, kCols, split.data(), kStride);
      for (int64_t n = kNBegin; n < kCols; ++n) {
        ASSERT_EQ(bits(single[n]), bits(batched[row * kStride + n]))
            << "row " << row << " col " << n;
        ASSERT_EQ(bits(split[n]), bits(batched[row * kStride + n]))
            << "row " << row << " col " << n;
      }
    }
  }
}

// A dot product over k in double, and the sum of |terms| that scales its rounding error.
template <class X, class W>
std::pair<double, double> reference_dot(int64_t k, X x, W w) {
  double sum = 0.0;
  double magnitude = 0.0;
  for (int64_t i = 0; i < k; ++i) {
    sum += x(i) * w(i);
    magnitude += std::fabs(x(i) * w(i));
  }
  return {sum, magnitude};
}

// Every row count up to 9 (the tiles' edges) for awkward k; then rows and k long enough for the
// kernels to cut x into chunks and k into segments.
std::vector<Shape> shapes(const std::vector<int64_t>& ks, int64_t long_k) {
  std::vector<Shape> out;
  for (int64_t k : ks) out.push_back({9, k, {1, 2, 3, 4, 5, 6, 7, 8, 9}});
  out.push_back({70, long_k, {70}});
  return out;
}
const std::vector<Shape> kFloatShapes = shapes({1, 7, 31, 32, 33, 100, 2048}, 4129);
const std::vector<Shape> kQ8Shapes = shapes({32, 64, 96, 2048}, 4192);
// q4_0: k ending in every count of blocks short of a 4-block step; k past one 8192-value segment.
const std::vector<Shape> kQ4Shapes = shapes({32, 64, 96, 128, 160, 192, 224, 2048}, 8192 + 224);

double widen_f32(float v) { return v; }
double widen_f16(uint16_t v) { return f16_to_f32(v); }
double widen_bf16(uint16_t v) { return bf16_to_f32(v); }

// check_product for a float-typed matmul (f32, f16 or bf16 weights) on x [shape.rows][k] and
// w [kCols][k], which the kernel gets as they are or in its own layout (`laid_out`).
template <class X, class W>
void check_float_matmul(const Shape& shape, const std::vector<X>& x, double (*widen_x)(X),
                        const std::vector<W>& w, double (*widen_w)(W),
                        void (*matmul)(const X*, int64_t, int64_t, const W*, int64_t, int64_t,
                                       float*, int64_t),
                        const W* laid_out = nullptr) {
  const int64_t k = shape.k;
  auto dot = [&](int64_t row, int64_t n) {
    return reference_dot(
        k, [&](int64_t i) { return widen_x(x[row * k + i]); },
        [&](int64_t i) { return widen_w(w[n * k + i]); });
  };
  check_product(shape,
                {[&](int64_t m0, int64_t m, int64_t nb, int64_t ne, float* y, int64_t ys) {
                   matmul(x.data() + m0 * k, m, k, laid_out ? laid_out : w.data(), nb, ne, y, ys);
                 },
                 [&](int64_t row, int64_t n) { return dot(row, n).first; },
                 [&](int64_t row, int64_t n) { return dot(row, n).second; }},
                1e-5);
}

TEST(Kernels, MatmulF32) {
  for (Isa isa : supported_isas()) {
    for (const Shape& shape : kFloatShapes) {
      SCOPED_TRACE(std::string(isa_name(isa)) + " k=" + std::to_string(shape.k));
      check_float_matmul(shape, random_floats(shape.rows * shape.k, 1), widen_f32,
                         random_floats(kCols * shape.k, 2), widen_f32, kernels_for(isa).matmul_f32);
    }
  }
}

TEST(Kernels, MatmulF16) {
  for (Isa isa : supported_isas()) {
    for (const Shape& shape : kFloatShapes) {
      SCOPED_TRACE(std::string(isa_name(isa)) + " k=" + std::to_string(shape.k));
      check_float_matmul(shape, random_floats(shape.rows * shape.k, 3), widen_f32,
                         to_f16(random_floats(kCols * shape.k, 4)), widen_f16,
                         kernels_for(isa).matmul_f16);
    }
  }
}

TEST(Kernels, MatmulBf16) {
  for (Isa isa : supported_isas()) {
    for (const Shape& shape : kFloatShapes) {
      SCOPED_TRACE(std::string(isa_name(isa)) + " k=" + std::to_string(shape.k));
      check_float_matmul(shape, to_bf16(random_floats(shape.rows * shape.k, 5)), widen_bf16,
                         to_bf16(random_floats(kCols * shape.k, 6)), widen_bf16,
                         kernels_for(isa).matmul_bf16);
    }
  }
}

TEST(Kernels, PackBf16Panel) {
  constexpr int64_t kN = 17, kK = 4;
  std::vector<uint16_t> w(kN * kK);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<uint16_t>(i + 1);
  std::vector<uint16_t> panels(bf16_panels_size(kN, kK), 0xFFFF);
  ASSERT_EQ(panels.size(), 2 * kPanelRows * kK);
  for (int64_t p = 0; p < 2; ++p) pack_bf16_panel(w.data(), kN, kK, p, panels.data() + p * kPanelRows * kK);
  for (int64_t row = 0; row < 2 * kPanelRows; ++row) {
    for (int64_t col = 0; col < kK; ++col) {
      const int64_t at = row / kPanelRows * kPanelRows * kK + (col / 2 * kPanelRows + row % kPanelRows) * 2 + col % 2;
      EXPECT_EQ(panels[at], row < kN ? w[row * kK + col] : 0) << "row " << row << " col " << col;
    }
  }
  for (int64_t row = 0; row < kN; ++row) {
    float values[kK];
    bf16_panel_row_to_f32(panels.data(), kK, row, values);
    for (int64_t col = 0; col < kK; ++col) EXPECT_EQ(values[col], bf16_to_f32(w[row * kK + col])) << "row " << row;
  }
}

// The products of MatmulBf16 with the weights in panels (even k only).
TEST(Kernels, MatmulBf16Panels) {
  for (Isa isa : supported_isas()) {
    for (const Shape& shape : shapes({2, 30, 32, 34, 100, 2048}, 4130)) {
      const int64_t k = shape.k;
      SCOPED_TRACE(std::string(isa_name(isa)) + " k=" + std::to_string(k));
      const std::vector<uint16_t> x = to_bf16(random_floats(shape.rows * k, 5));
      const std::vector<uint16_t> w = to_bf16(random_floats(kCols * k, 6));
      std::vector<uint16_t> panels(bf16_panels_size(kCols, k));
      for (int64_t p = 0; p * kPanelRows < kCols; ++p) {
        pack_bf16_panel(w.data(), kCols, k, p, panels.data() + p * kPanelRows * k);
      }
      check_float_matmul(shape, x, widen_bf16, w, widen_bf16, kernels_for(isa).matmul_bf16_panels, panels.data());
    }
  }
}

TEST(Kernels, PackQ8Panel) {
  constexpr int64_t kRows = 5, kK = 64, kBlocks = kK / kQ8BlockSize;
  std::vector<int8_t> q(kRows * kK);
  for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<int8_t>(i * 37);
  std::vector<float> scales(kRows * kBlocks);
  for (size_t i = 0; i < scales.size(); ++i) scales[i] = 0.5f + static_cast<float>(i);
  std::vector<uint8_t> panel(q8_0_panels_bytes(kRows, kK), 0xAA);
  ASSERT_EQ(panel.size(), kBlocks * kQ8PanelBlockBytes);
  pack_q8_0_panel(q.data(), scales.data(), kRows, kK, panel.data());
  for (int64_t row = 0; row < kPanelRows; ++row) {
    for (int64_t col = 0; col < kK; ++col) {
      const int64_t block = col / kQ8BlockSize, i = col % kQ8BlockSize;
      const uint8_t got = panel[block * kQ8PanelBlockBytes + i / 4 * 64 + row * 4 + i % 4];
      EXPECT_EQ(got - 128, row < kRows ? q[row * kK + col] : 0) << "row " << row << " col " << col;
    }
    for (int64_t block = 0; block < kBlocks; ++block) {
      float scale;
      std::memcpy(&scale, panel.data() + block * kQ8PanelBlockBytes + 512 + row * 4, sizeof(scale));
      EXPECT_EQ(scale, row < kRows ? scales[row * kBlocks + block] : 0.0f) << "row " << row;
    }
  }
}

// Weights over the whole int8 range (-128 included) in panels, against the dequantized dot product
// in double; every set gives the scalar set's bits.
TEST(Kernels, MatmulQ8) {
  for (const Shape& shape : kQ8Shapes) {
    const int64_t k = shape.k, blocks = k / kQ8BlockSize;
    std::vector<int8_t> xq(shape.rows * k);
    std::vector<float> xs(shape.rows * blocks);
    kernels_for(Isa::scalar).quantize_q8_0(random_floats(shape.rows * k, 7).data(), shape.rows * k, xq.data(),
                                           xs.data());
    std::vector<int32_t> x_sums(shape.rows * blocks);
    for (size_t i = 0; i < xq.size(); ++i) x_sums[i / kQ8BlockSize] += xq[i];
    std::mt19937 rng(8);
    std::vector<int8_t> wq(kCols * k);
    for (int8_t& v : wq) v = static_cast<int8_t>(rng() & 0xFF);
    std::vector<float> ws = random_floats(kCols * blocks, 9);
    for (float& s : ws) s = std::fabs(s) / 128.0f;
    std::vector<uint8_t> panels(q8_0_panels_bytes(kCols, k));
    for (int64_t p = 0; p * kPanelRows < kCols; ++p) {
      pack_q8_0_panel(wq.data() + p * kPanelRows * k, ws.data() + p * kPanelRows * blocks,
                      std::min(kPanelRows, kCols - p * kPanelRows), k, panels.data() + p * blocks * kQ8PanelBlockBytes);
    }
    auto dot = [&](int64_t row, int64_t n) {
      return reference_dot(
          k, [&](int64_t i) { return double{xs[row * blocks + i / 32]} * xq[row * k + i]; },
          [&](int64_t i) { return double{ws[n * blocks + i / 32]} * wq[n * k + i]; });
    };
    auto run = [&](Isa isa, int64_t m0, int64_t m, int64_t nb, int64_t ne, float* y, int64_t ys) {
      kernels_for(isa).matmul_q8_0(xq.data() + m0 * k, xs.data() + m0 * blocks, x_sums.data() + m0 * blocks, m, k,
                                   panels.data(), nb, ne, y, ys);
    };
    std::vector<float> expected(shape.rows * kStride);
    run(Isa::scalar, 0, shape.rows, kNBegin, kCols, expected.data(), kStride);
    for (Isa isa : supported_isas()) {
      SCOPED_TRACE(std::string(isa_name(isa)) + " k=" + std::to_string(k));
      check_product(shape,
                    {[&](int64_t m0, int64_t m, int64_t nb, int64_t ne, float* y, int64_t ys) {
                       run(isa, m0, m, nb, ne, y, ys);
                     },
                     [&](int64_t row, int64_t n) { return dot(row, n).first; },
                     [&](int64_t row, int64_t n) { return dot(row, n).second; }},
                    1e-5);
      std::vector<float> got(shape.rows * kStride);
      run(isa, 0, shape.rows, kNBegin, kCols, got.data(), kStride);
      for (int64_t row = 0; row < shape.rows; ++row) {
        for (int64_t n = kNBegin; n < kCols; ++n) {
          ASSERT_EQ(bits(got[row * kStride + n]), bits(expected[row * kStride + n])) << "row " << row << " col " << n;
        }
      }
    }
  }
}

// The q of n q4_0 values, read as kernels.h describes the layout: 16 bytes a block, byte j holding
// q_j in its low nibble and q_{j+16} in its high one.
std::vector<int> unpack_q4(const uint8_t* bytes, int64_t n) {
  std::vector<int> q(n);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t byte = bytes[i / 32 * 16 + i % 16];
    q[i] = i % 32 < 16 ? byte & 0x0F : byte >> 4;
  }
  return q;
}

// llama.cpp's quantize_row_q4_0_ref for one block: the scale d and the 32 q.
std::pair<float, std::vector<int>> reference_q4_block(const float* x) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int i = 0; i < 32; ++i) {
    if (amax < std::fabs(x[i])) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  const float d = max / -8;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  std::vector<int> q(32);
  for (int i = 0; i < 32; ++i) {
    q[i] = std::min(15, static_cast<int>(static_cast<int8_t>(x[i] * id + 8.5f)));
  }
  return {d, q};
}

TEST(Kernels, MatmulQ4) {
  for (Isa isa : supported_isas()) {
    for (const Shape& shape : kQ4Shapes) {
      const int64_t k = shape.k;
      SCOPED_TRACE(std::string(isa_name(isa)) + " k=" + std::to_string(k));
      const int64_t blocks = k / kQ8BlockSize;
      const KernelTable& table = kernels_for(isa);
      std::vector<int8_t> xq(shape.rows * k);
      std::vector<float> xs(shape.rows * blocks);
      table.quantize_q8_0(random_floats(shape.rows * k, 15).data(), shape.rows * k, xq.data(),
                          xs.data());
      // Every nibble value; scales of both signs, as d = max / -8 has.
      std::mt19937 rng(16);
      std::vector<uint8_t> wq(kCols * k / 2);
      for (uint8_t& v : wq) v = static_cast<uint8_t>(rng() & 0xFF);
      std::vector<float> ws = random_floats(kCols * blocks, 17);
      for (float& s : ws) s /= 8.0f;
      std::vector<int> q;
      for (int64_t n = 0; n < kCols; ++n) {
        const std::vector<int> row = unpack_q4(wq.data() + n * k / 2, k);
        q.insert(q.end(), row.begin(), row.end());
      }
      auto dot = [&](int64_t row, int64_t n) {
        return reference_dot(
            k, [&](int64_t i) { return double{xs[row * blocks + i / 32]} * xq[row * k + i]; },
            [&](int64_t i) { return double{ws[n * blocks + i / 32]} * (q[n * k + i] - 8); });
      };
      check_product(shape,
                    {[&](int64_t m0, int64_t m, int64_t nb, int64_t ne, float* y, int64_t ys) {
                       table.matmul_q4_0(xq.data() + m0 * k, xs.data() + m0 * blocks, m, k,
                                         wq.data(), ws.data(), nb, ne, y, ys);
                     },
                     [&](int64_t row, int64_t n) { return dot(row, n).first; },
                     [&](int64_t row, int64_t n) { return dot(row, n).second; }},
                    1e-5);
    }
  }
}

TEST(Kernels, QuantizeQ4FollowsTheFormula) {
  // 7 blocks: random; zeros; a negative largest value (d > 0); two largest values of opposite
  // signs, the positive one first (it sets d, and the other's q clamps from 16 to 15); the same
  // with the negative one first; tiny values; exact multiples of d.
  std::vector<float> x = random_floats(7 * 32, 18);
  for (int i = 0; i < 32; ++i) x[32 + i] = 0.0f;
  x[64 + 9] = -3.0f;
  x[96 + 2] = 2.0f;
  x[96 + 30] = -2.0f;
  for (int i = 0; i < 32; ++i) x[128 + i] = 0.1f * static_cast<float>(i % 5);
  x[128 + 4] = -0.5f;
  x[128 + 20] = 0.5f;
  for (int i = 0; i < 32; ++i) x[160 + i] *= 1e-30f;
  for (int i = 0; i < 32; ++i) x[192 + i] = 0.25f * static_cast<float>(i % 16 - 8);
  for (Isa isa : supported_isas()) {
    SCOPED_TRACE(isa_name(isa));
    std::vector<uint8_t> packed(x.size() / 2);
    std::vector<float> scales(x.size() / 32);
    kernels_for(isa).quantize_q4_0(x.data(), static_cast<int64_t>(x.size()), packed.data(),
                                   scales.data());
    const std::vector<int> q = unpack_q4(packed.data(), static_cast<int64_t>(x.size()));
    for (int b = 0; b < 7; ++b) {
      SCOPED_TRACE("block " + std::to_string(b));
      const auto [d, expected] = reference_q4_block(x.data() + 32 * b);
      EXPECT_EQ(bits(scales[b]), bits(d));
      for (int i = 0; i < 32; ++i) {
        EXPECT_EQ(q[32 * b + i], expected[i]) << "value " << i << ": " << x[32 * b + i];
        // Dequantized within half a step, or a whole one where q clamps at 15.
        EXPECT_LE(std::fabs((q[32 * b + i] - 8) * d - x[32 * b + i]),
                  std::fabs(d) * (q[32 * b + i] == 15 ? 1.0f : 0.5f) * 1.0001f);
      }
    }
    EXPECT_EQ(scales[1], 0.0f);
    for (int i = 0; i < 32; ++i) EXPECT_EQ(q[32 + i], 8);
    EXPECT_EQ(scales[2], 3.0f / 8);  // max -3: d > 0, and -3 is q 0
    EXPECT_EQ(q[64 + 9], 0);
    EXPECT_EQ(scales[3], -2.0f / 8);  // max 2 (first of ±2): -2 would be q 16
    EXPECT_EQ(q[96 + 2], 0);
    EXPECT_EQ(q[96 + 30], 15);
    EXPECT_EQ(scales[4], 0.5f / 8);  // max -0.5 comes first
    EXPECT_EQ(q[128 + 4], 0);
    EXPECT_EQ(q[128 + 20], 15);
    EXPECT_EQ(q[128 + 1], 10);  // 0.1 * 16 + 8.5 = 10.1, truncated
    for (int i = 0; i < 32; ++i) EXPECT_EQ(q[192 + i], i % 16);  // d = 0.25 exactly
  }
}

TEST(Kernels, QuantizeQ8SameOnEverySet) {
  // Block 0: random; block 1: zeros; block 2: exact halves (scale 1) that must round away from
  // zero; block 3: tiny values; block 4: one large value.
  std::vector<float> x = random_floats(5 * 32, 10);
  for (int i = 0; i < 32; ++i) x[32 + i] = 0.0f;
  for (int i = 0; i < 32; ++i) x[64 + i] = (i % 2 ? -1.0f : 1.0f) * (static_cast<float>(i) + 0.5f);
  x[64 + 31] = 127.0f;
  for (int i = 0; i < 32; ++i) x[96 + i] *= 1e-30f;
  x[128 + 5] = 3e30f;
  std::vector<int8_t> expected_q(x.size());
  std::vector<float> expected_scales(5);
  kernels_for(Isa::scalar).quantize_q8_0(x.data(), 160, expected_q.data(), expected_scales.data());
  EXPECT_EQ(expected_scales[1], 0.0f);
  EXPECT_EQ(expected_scales[2], 1.0f);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(expected_q[32 + i], 0);
  EXPECT_EQ(expected_q[64 + 0], 1);   // 0.5
  EXPECT_EQ(expected_q[64 + 1], -2);  // -1.5
  EXPECT_EQ(expected_q[64 + 2], 3);   // 2.5
  EXPECT_EQ(expected_q[64 + 31], 127);
  EXPECT_EQ(expected_q[128 + 5], 127);
  for (int i = 0; i < 32; ++i)
    EXPECT_NEAR(expected_q[i] * expected_scales[0], x[i], expected_scales[0]);
  for (Isa isa : supported_isas()) {
    SCOPED_TRACE(isa_name(isa));
    std::vector<int8_t> q(x.size());
    std::vector<float> scales(5);
    kernels_for(isa).quantize_q8_0(x.data(), 160, q.data(), scales.data());
    EXPECT_EQ(q, expected_q);
    for (int b = 0; b < 5; ++b) EXPECT_EQ(bits(scales[b]), bits(expected_scales[b]));
  }
}

TEST(Kernels, QuantizeQ8RoundsLikeRoundf) {
  // A sweep of [0, 127), every half and its neighbours, both signs, each seen through a block
  // whose largest value is 127 so the scale is exactly 1.
  std::vector<float> values;
  for (uint32_t b = 0; b < 0x42FE0000; b += 4099) values.push_back(from_bits(b));
  for (int i = 0; i < 127; ++i) {
    const float half = static_cast<float>(i) + 0.5f;
    values.insert(values.end(), {half, std::nextafter(half, 0.0f), std::nextafter(half, 200.0f)});
  }
  std::vector<float> x;
  for (float v : values) {
    for (float signed_v : {v, -v}) {
      if (x.size() % 32 == 0) x.push_back(127.0f);
      x.push_back(signed_v);
    }
  }
  while (x.size() % 32 != 0) x.push_back(0.0f);
  for (Isa isa : supported_isas()) {
    SCOPED_TRACE(isa_name(isa));
    std::vector<int8_t> q(x.size());
    std::vector<float> scales(x.size() / 32);
    kernels_for(isa).quantize_q8_0(x.data(), static_cast<int64_t>(x.size()), q.data(),
                                   scales.data());
    for (size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(scales[i / 32], 1.0f);
      ASSERT_EQ(q[i], static_cast<int8_t>(std::round(x[i]))) << x[i];
    }
  }
}

TEST(Kernels, RoundToBf16SameOnEverySet) {
  std::vector<float> x = random_floats(1000, 11);
  const std::vector<uint32_t> specials = {
      0x3F808000,                                      // tie, rounds down to even
      0x3F818000,                                      // tie, rounds up to even
      0x3F808001,                                      // above the tie
      0x00000001, 0x00008000, 0x00018000, 0x807FFFFF,  // subnormals (ties included)
      0x7F7FFFFF,                                      // rounds up to infinity
      0x7F800000, 0xFF800000,                          // infinities
      0x7FC00000, 0xFFC00001, 0x7F800001, 0x7FFFFFFF,  // NaNs, signalling and negative too
      0x80000000, 0x00000000};
  for (uint32_t s : specials) x.push_back(from_bits(s));
  std::vector<uint16_t> expected(x.size());
  for (size_t i = 0; i < x.size(); ++i) expected[i] = f32_to_bf16(x[i]);
  for (Isa isa : supported_isas()) {
    SCOPED_TRACE(isa_name(isa));
    // Every length up to 40 covers the vector tails; then everything.
    for (int64_t n = 0; n <= 40; ++n) {
      std::vector<uint16_t> out(n + 1, 0xABCD);
      kernels_for(isa).round_to_bf16(x.data() + x.size() - n, n, out.data());
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(out[i], expected[x.size() - n + i]) << n;
      ASSERT_EQ(out[n], 0xABCD);
    }
    std::vector<uint16_t> out(x.size());
    kernels_for(isa).round_to_bf16(x.data(), static_cast<int64_t>(x.size()), out.data());
    EXPECT_EQ(out, expected);
  }
}

// Attention's pieces on rows `stride` apart, every length around the vector widths.
// Up to 7 query heads of one key-value head at once (more than the widest set takes together).
TEST(Kernels, DotRowsAndAddWeightedRows) {
  for (Isa isa : supported_isas()) {
    for (int64_t n : {1, 7, 16, 33, 64, 100, 128}) {
      for (int64_t count : {1, 3, 4, 9, 16}) {
        for (int64_t queries : {1, 3, 7}) {
          SCOPED_TRACE(std::string(isa_name(isa)) + " n=" + std::to_string(n) + " count=" + std::to_string(count) +
                       " queries=" + std::to_string(queries));
          const KernelTable& table = kernels_for(isa);
          const int64_t stride = n + 5, out_stride = count + 2;
          const auto q = random_floats(queries * n, 12);
          auto rows = random_floats(count * stride, 13);
          std::vector<float> scores(queries * out_stride, kGuard);
          table.dot_rows(q.data(), queries, rows.data(), stride, count, n, 0.5f, scores.data(), out_stride);
          for (int64_t g = 0; g < queries; ++g) {
            for (int64_t j = 0; j < count; ++j) {
              double expected = 0.0, magnitude = 0.0;
              for (int64_t i = 0; i < n; ++i) {
                expected += double{q[g * n + i]} * rows[j * stride + i];
                magnitude += std::fabs(double{q[g * n + i]} * rows[j * stride + i]);
              }
              EXPECT_NEAR(scores[g * out_stride + j], 0.5 * expected, 1e-5 * magnitude);
              // A score does not depend on the rows or queries beside it.
              float alone = 0.0f;
              table.dot_rows(q.data() + g * n, 1, rows.data() + j * stride, stride, 1, n, 0.5f, &alone, 1);
              EXPECT_EQ(bits(alone), bits(scores[g * out_stride + j])) << g << " " << j;
            }
            EXPECT_EQ(scores[g * out_stride + count], kGuard);
          }

          const auto weights = random_floats(queries * out_stride, 14);
          std::vector<float> out = random_floats(queries * n, 15);
          const std::vector<float> start = out;
          out.push_back(kGuard);
          table.add_weighted_rows(weights.data(), queries, out_stride, rows.data(), stride, count, n, out.data());
          for (int64_t g = 0; g < queries; ++g) {
            std::vector<float> alone(start.begin() + g * n, start.begin() + (g + 1) * n);
            table.add_weighted_rows(weights.data() + g * out_stride, 1, out_stride, rows.data(), stride, count, n,
                                    alone.data());
            for (int64_t i = 0; i < n; ++i) {
              double expected = start[g * n + i];
              for (int64_t j = 0; j < count; ++j) expected += double{weights[g * out_stride + j]} * rows[j * stride + i];
              EXPECT_NEAR(out[g * n + i], expected, 1e-5 * (count + 1));
              EXPECT_EQ(bits(alone[i]), bits(out[g * n + i])) << g << " " << i;
            }
          }
          EXPECT_EQ(out[queries * n], kGuard);
        }
      }
    }
  }
}

TEST(Kernels, SoftmaxAndSilu) {
  std::vector<float> x = random_floats(300, 16);
  for (size_t i = 0; i < x.size(); ++i) x[i] *= 30.0f;  // exp over about [-60, 60]
  const std::vector<float> extremes = {-1000.0f, -88.0f, -87.5f, -20.0f, -1e-30f, 0.0f, 1e-30f, 20.0f, 87.5f, 88.5f, 1000.0f};
  x.insert(x.end(), extremes.begin(), extremes.end());
  for (Isa isa : supported_isas()) {
    for (int64_t n : std::initializer_list<int64_t>{1, 5, 8, 16, 17, 40, static_cast<int64_t>(x.size())}) {
      SCOPED_TRACE(std::string(isa_name(isa)) + " n=" + std::to_string(n));
      const float* in = x.data() + x.size() - n;
      std::vector<float> probabilities(in, in + n);
      probabilities.push_back(kGuard);
      kernels_for(isa).softmax(probabilities.data(), n);
      double max = in[0], total = 0.0;
      for (int64_t i = 0; i < n; ++i) max = std::max<double>(max, in[i]);
      for (int64_t i = 0; i < n; ++i) total += std::exp(double{in[i]} - max);
      for (int64_t i = 0; i < n; ++i) {
        const double expected = std::exp(double{in[i]} - max) / total;
        EXPECT_NEAR(probabilities[i], expected, 4e-7 * expected + 1e-30) << in[i];
      }
      EXPECT_EQ(probabilities[n], kGuard);

      const auto up = random_floats(n, 17);
      std::vector<float> gate(in, in + n);
      gate.push_back(kGuard);
      kernels_for(isa).silu_mul(gate.data(), up.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        const double expected = in[i] / (1.0 + std::exp(-double{in[i]})) * up[i];
        EXPECT_NEAR(gate[i], expected, 4e-7 * std::fabs(expected) + 1e-33) << in[i];  // below -88, g / exp(88)
      }
      EXPECT_EQ(gate[n], kGuard);
    }
  }
}

// The exponential is the same operations on every set, so SiLU gives the same bits everywhere.
TEST(Kernels, SiluSameOnEverySet) {
  std::vector<float> gate = random_floats(1000, 18);
  for (float& g : gate) g *= 12.0f;
  const auto up = random_floats(gate.size(), 19);
  std::vector<float> expected = gate;
  kernels_for(Isa::scalar).silu_mul(expected.data(), up.data(), static_cast<int64_t>(expected.size()));
  for (Isa isa : supported_isas()) {
    SCOPED_TRACE(isa_name(isa));
    std::vector<float> out = gate;
    kernels_for(isa).silu_mul(out.data(), up.data(), static_cast<int64_t>(out.size()));
    for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(bits(out[i]), bits(expected[i])) << gate[i];
  }
}

TEST(Kernels, SumStreams) {
  const std::vector<float> x = random_floats(8 * 16 * 25, 31);
  double expected = 0.0, magnitude = 0.0;
  for (float v : x) {
    expected += v;
    magnitude += std::fabs(v);
  }
  for (Isa isa : supported_isas()) {
    for (int streams : {1, 2, 4, 8}) {
      SCOPED_TRACE(std::string(isa_name(isa)) + " streams=" + std::to_string(streams));
      EXPECT_NEAR(kernels_for(isa).sum_streams(x.data(), static_cast<int64_t>(x.size()), streams), expected,
                  1e-6 * magnitude);
    }
  }
}

TEST(KernelConversions, Bf16) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(f32_to_bf16(from_bits(0x3F808000)), 0x3F80);  // tie to even (down)
  EXPECT_EQ(f32_to_bf16(from_bits(0x3F818000)), 0x3F82);  // tie to even (up)
  EXPECT_EQ(f32_to_bf16(from_bits(0x3F808001)), 0x3F81);
  EXPECT_EQ(f32_to_bf16(from_bits(0x3F807FFF)), 0x3F80);
  EXPECT_EQ(f32_to_bf16(from_bits(0x7F7FFFFF)), 0x7F80);  // overflow to infinity
  EXPECT_EQ(f32_to_bf16(-std::numeric_limits<float>::infinity()), 0xFF80);
  EXPECT_EQ(f32_to_bf16(from_bits(0x00018000)), 0x0002);  // subnormal tie, not flushed
  EXPECT_EQ(f32_to_bf16(from_bits(0x00008000)), 0x0000);
  EXPECT_EQ(f32_to_bf16(from_bits(0x00008001)), 0x0001);
  EXPECT_EQ(f32_to_bf16(-0.0f), 0x8000);
  // Every NaN, signalling and negative ones too, becomes torch's quiet NaN.
  EXPECT_EQ(f32_to_bf16(from_bits(0x7F800001)), 0x7FC0);
  EXPECT_EQ(f32_to_bf16(from_bits(0xFFC12345)), 0x7FC0);
  for (uint32_t b = 0; b < 0x10000; ++b) {
    const float f = bf16_to_f32(static_cast<uint16_t>(b));
    ASSERT_EQ(bits(f), b << 16);
    if (!std::isnan(f)) {
      ASSERT_EQ(f32_to_bf16(f), b);
    }
  }
}

TEST(KernelConversions, F16AgainstCompiler) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const _Float16 half = std::bit_cast<_Float16>(static_cast<uint16_t>(h));
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(static_cast<float>(half))) {
      ASSERT_TRUE(std::isnan(f)) << h;
      ASSERT_TRUE(std::isnan(f16_to_f32(f32_to_f16(f)))) << h;
      continue;
    }
    ASSERT_EQ(bits(f), bits(static_cast<float>(half))) << h;
    ASSERT_EQ(f32_to_f16(f), h) << h;
  }
  // Random patterns over all exponents, and the edges: largest half, the rounding boundary to
  // infinity, the subnormal range and its ties.
  std::mt19937 rng(14);
  std::vector<float> values = {65504.0f,   65519.996f, 65520.0f,        0x1p-24f,
                               0x1p-25f,   0x1.8p-25f, 0x1.000002p-25f, 0x1.8p-24f,
                               0x1.4p-24f, 0x1p-14f,   0x1.ffcp-15f,    0x1.ffep-15f,
                               1e-40f,     -1e-40f,    1.0f + 0x1p-11f, 1.0f + 0x1.8p-10f};
  for (int i = 0; i < 2000000; ++i) values.push_back(from_bits(static_cast<uint32_t>(rng())));
  for (float v : values) {
    const uint16_t expected = std::bit_cast<uint16_t>(static_cast<_Float16>(v));
    if (std::isnan(v)) {
      ASSERT_TRUE(std::isnan(f16_to_f32(f32_to_f16(v))));
      continue;
    }
    ASSERT_EQ(f32_to_f16(v), expected) << std::hexfloat << v;
  }
  EXPECT_EQ(f32_to_f16(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(f32_to_f16(-std::numeric_limits<float>::infinity()), 0xFC00);
  EXPECT_EQ(f32_to_f16(from_bits(0xFFC00000)) & 0xFE00, 0xFE00);  // quiet, sign kept
}

TEST(KernelDispatch, CapByEnvironment) {
  const char* saved = std::getenv("GATEHOUSE_ISA");
  const std::string saved_value = saved ? saved : "";
  unsetenv("GATEHOUSE_ISA");
  const Isa best = detect_isa();
  EXPECT_TRUE(cpu_supports(best));
  EXPECT_TRUE(cpu_supports(Isa::scalar));
  setenv("GATEHOUSE_ISA", "scalar", 1);
  EXPECT_EQ(detect_isa(), Isa::scalar);
  setenv("GATEHOUSE_ISA", "avx2", 1);
  EXPECT_EQ(detect_isa(), best < Isa::avx2 ? best : Isa::avx2);
  setenv("GATEHOUSE_ISA", "avx512", 1);
  EXPECT_EQ(detect_isa(), best);
  setenv("GATEHOUSE_ISA", "sse9", 1);
  EXPECT_EQ(detect_isa(), best);
  if (saved) {
    setenv("GATEHOUSE_ISA", saved_value.c_str(), 1);
  } else {
    unsetenv("GATEHOUSE_ISA");
  }
  EXPECT_EQ(&kernels(), &kernels_for(detect_isa()));
  EXPECT_EQ(isa_name(Isa::avx512), "avx512");
}

}  // namespace
}  // namespace gatehouse::engine::kernels
