// AVX2 + FMA + F16C kernels, compiled with their own -m flags. Same structure as the AVX-512 set
// (register tiles of dot products, tile_loop.h) with 8-lane accumulators; the ragged end of k is
// copied into a zero-padded buffer and accumulated like any other step. Everything here has
// internal linkage so no AVX2 code can stand in for an inline function of the baseline build.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "engine/kernels/isa_tables.h"
#include "engine/kernels/kernels.h"
#include "engine/kernels/lane_kernels.h"
#include "engine/kernels/tile_loop.h"

namespace gatehouse::engine::kernels {
namespace {

// The sum of v's 8 lanes by a fixed halving tree: lane i + lane i+4, then i + i+2, i + i+1.
float reduce_add(__m256 v) {
  __m128 quarter = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  quarter = _mm_add_ps(quarter, _mm_movehl_ps(quarter, quarter));
  return _mm_cvtss_f32(_mm_add_ss(quarter, _mm_movehdup_ps(quarter)));
}

// reduce_add of four vectors at once (the same tree, so the same sums), transposing as it goes.
[[gnu::always_inline]] inline __m128 reduce_add4(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 ab =
      _mm256_add_ps(_mm256_permute2f128_ps(a, b, 0x20), _mm256_permute2f128_ps(a, b, 0x31));
  const __m256 cd =
      _mm256_add_ps(_mm256_permute2f128_ps(c, d, 0x20), _mm256_permute2f128_ps(c, d, 0x31));
  // 128-bit lanes: [a0+a2, a1+a3, c0+c2, c1+c3 | b0+b2, b1+b3, d0+d2, d1+d3].
  const __m256 pairs = _mm256_add_ps(_mm256_shuffle_ps(ab, cd, _MM_SHUFFLE(1, 0, 1, 0)),
                                     _mm256_shuffle_ps(ab, cd, _MM_SHUFFLE(3, 2, 3, 2)));
  // [a, c, a, c | b, d, b, d].
  const __m256 sums = _mm256_add_ps(_mm256_shuffle_ps(pairs, pairs, _MM_SHUFFLE(2, 0, 2, 0)),
                                    _mm256_shuffle_ps(pairs, pairs, _MM_SHUFFLE(3, 1, 3, 1)));
  return _mm_unpacklo_ps(_mm256_castps256_ps128(sums), _mm256_extractf128_ps(sums, 1));
}

// Stores the sums of a row of Nr accumulators to out[0..Nr), four at a time.
template <int Nr>
[[gnu::always_inline]] inline void store_sums(const __m256 (&acc)[Nr], float* out) {
  const __m256 zero = _mm256_setzero_ps();
  for (int b = 0; b < Nr; b += 4) {
    const int count = Nr - b < 4 ? Nr - b : 4;
    const __m128 sums = reduce_add4(acc[b], count > 1 ? acc[b + 1] : zero,
                                    count > 2 ? acc[b + 2] : zero, count > 3 ? acc[b + 3] : zero);
    if (count == 4) {
      _mm_storeu_ps(out + b, sums);
    } else {
      const __m128i lanes = _mm_cmpgt_epi32(_mm_set1_epi32(count), _mm_setr_epi32(0, 1, 2, 3));
      _mm_maskstore_ps(out + b, lanes, sums);
    }
  }
}

// The first count (< 8) elements of p followed by zeros.
template <class T>
struct Padded {
  alignas(32) T values[8] = {};
  Padded(const T* p, int64_t count) {
    for (int64_t i = 0; i < count; ++i) values[i] = p[i];
  }
};

__m256 widen_bf16(__m128i v) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(v), 16));
}

__m128i load_8x16(const uint16_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// What every element format of this set shares: f32 accumulators, fused multiply-add into them,
// and the sums of a row of them.
struct Avx2Sums {
  using Acc = __m256;
  static constexpr int kLanes = 8;
  static __m256 madd(__m256 acc, __m256 x, __m256 w) { return _mm256_fmadd_ps(x, w, acc); }
  template <int Nr>
  static void store(const __m256 (&acc)[Nr], float* out) {
    store_sums(acc, out);
  }
};

// How one element type steps along k: a full 8-element load and a ragged (count < 8) one, both
// widened to f32.
struct F32Format : Avx2Sums {
  using X = float;
  using W = float;
  static constexpr int64_t kStep = 8;
  static __m256 load_x(const float* p) { return _mm256_loadu_ps(p); }
  static __m256 load_x(const float* p, int64_t count) {
    return load_x(Padded<float>(p, count).values);
  }
  static __m256 load_w(const float* p) { return load_x(p); }
  static __m256 load_w(const float* p, int64_t count) { return load_x(p, count); }
};

struct F16Format : Avx2Sums {
  using X = float;
  using W = uint16_t;
  static constexpr int64_t kStep = 8;
  static __m256 load_x(const float* p) { return F32Format::load_x(p); }
  static __m256 load_x(const float* p, int64_t count) { return F32Format::load_x(p, count); }
  static __m256 load_w(const uint16_t* p) { return _mm256_cvtph_ps(load_8x16(p)); }
  static __m256 load_w(const uint16_t* p, int64_t count) {
    return load_w(Padded<uint16_t>(p, count).values);
  }
};

struct Bf16Format : Avx2Sums {
  using X = uint16_t;
  using W = uint16_t;
  static constexpr int64_t kStep = 8;
  static __m256 load_x(const uint16_t* p) { return widen_bf16(load_8x16(p)); }
  static __m256 load_x(const uint16_t* p, int64_t count) {
    return load_x(Padded<uint16_t>(p, count).values);
  }
  static __m256 load_w(const uint16_t* p) { return load_x(p); }
  static __m256 load_w(const uint16_t* p, int64_t count) { return load_x(p, count); }
};

// 3 x 4 tiles: 12 accumulators, 3 rows of x and one row of w in the 16 ymm registers; each k
// segment of a weight block is 4 KiB per row.
template <class Format>
void matmul(const typename Format::X* x, int64_t m, int64_t k, const typename Format::W* w,
            int64_t n_begin, int64_t n_end, float* y, int64_t y_stride) {
  constexpr int kMr = 3;
  constexpr int kNr = 4;
  Parking<kNr, Format::kLanes> parked;
  const DotKernel<Format, kNr> kernel{x, k, w, y, y_stride, &parked};
  for_each_tile<kMr, kNr>(m, n_begin, n_end, k, 4096 / sizeof(typename Format::W),
                          sizeof(typename Format::X), kernel);
}

void matmul_f32(const float* x, int64_t m, int64_t k, const float* w, int64_t n_begin,
                int64_t n_end, float* y, int64_t y_stride) {
  matmul<F32Format>(x, m, k, w, n_begin, n_end, y, y_stride);
}

void matmul_f16(const float* x, int64_t m, int64_t k, const uint16_t* w, int64_t n_begin,
                int64_t n_end, float* y, int64_t y_stride) {
  matmul<F16Format>(x, m, k, w, n_begin, n_end, y, y_stride);
}

void matmul_bf16(const uint16_t* x, int64_t m, int64_t k, const uint16_t* w, int64_t n_begin,
                 int64_t n_end, float* y, int64_t y_stride) {
  matmul<Bf16Format>(x, m, k, w, n_begin, n_end, y, y_stride);
}

// Stores a one-panel tile's accumulators (the panel's two halves of 8 rows, for each row of x) to
// the panel's rows inside the product's range.
template <int Mr>
void store_panel_tile(const PanelProduct& product, const __m256 (&acc)[Mr][2], int64_t m0, int64_t panel) {
  const int64_t first_row = panel * kPanelRows;
  const auto [from, to] = product.rows_in_range(panel);
  for (int a = 0; a < Mr; ++a) {
    alignas(32) float out[kPanelRows];
    _mm256_store_ps(out, acc[a][0]);
    _mm256_store_ps(out + 8, acc[a][1]);
    std::memcpy(product.y + (m0 + a) * product.y_stride + first_row + from, out + from, (to - from) * sizeof(float));
  }
}

// Products with bf16 panels as outer products (kernels_avx512.cpp), without a bf16 dot product:
// each 32-bit lane of a panel's step holds one row's pair, whose even column is widened by a shift
// and odd one by a mask, each multiplied by x's value broadcast. Tiles of Mr rows of x and one
// panel (two halves of 8 rows): 8 accumulators.
struct PanelKernel : Bf16PanelProduct {
  template <int Mr, int Nv>
  void tile(int64_t m0, int64_t first_panel) const {
    static_assert(Nv == 1);
    constexpr int64_t kStepValues = 2 * kPanelRows;
    const uint16_t* w = panels + first_panel * kPanelRows * k;
    const uint16_t* xr = x + m0 * k;
    const __m256i odd_half = _mm256_set1_epi32(static_cast<int>(0xFFFF0000u));
    __m256 acc[Mr][2];
    for (int a = 0; a < Mr; ++a) acc[a][0] = acc[a][1] = _mm256_setzero_ps();
    for (int64_t j = 0; j < k / 2; ++j) {
      __m256 even[2], odd[2];
      for (int h = 0; h < 2; ++h) {
        const __m256i pairs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + j * kStepValues + 16 * h));
        even[h] = _mm256_castsi256_ps(_mm256_slli_epi32(pairs, 16));
        odd[h] = _mm256_castsi256_ps(_mm256_and_si256(pairs, odd_half));
      }
      for (int a = 0; a < Mr; ++a) {
        const __m256 x_even = widen_bf16(_mm_set1_epi16(static_cast<int16_t>(xr[a * k + 2 * j])));
        const __m256 x_odd = widen_bf16(_mm_set1_epi16(static_cast<int16_t>(xr[a * k + 2 * j + 1])));
        for (int h = 0; h < 2; ++h) {
          acc[a][h] = _mm256_fmadd_ps(x_even, even[h], acc[a][h]);
          acc[a][h] = _mm256_fmadd_ps(x_odd, odd[h], acc[a][h]);
        }
      }
    }
    store_panel_tile(*this, acc, m0, first_panel);
  }
};

void matmul_bf16_panels(const uint16_t* x, int64_t m, int64_t k, const uint16_t* panels, int64_t n_begin,
                        int64_t n_end, float* y, int64_t y_stride) {
  const PanelKernel kernel{{{k, n_begin, n_end, y, y_stride}, x, panels}};
  for_each_panel_tile<4, 1>(m, n_begin, n_end, kernel);
}

// Products with q8_0 panels as outer products (kernels_avx512.cpp), without vpdpbusd: each half
// of a step (8 rows' four q) goes back to signed q, and vpmaddubsw multiplies |q| by x's four q
// broadcast with q's sign (exact for q = -128 too: |q| is then 128 as an unsigned byte, and pair
// sums stay within int16 because the quantizer keeps x in [-127, 127]); vpmaddwd finishes each
// row's sum of four in an int32 lane. Tiles of Mr rows of x and one panel.
struct Q8PanelKernel : Q8PanelProduct {
  template <int Mr, int Nv>
  void tile(int64_t m0, int64_t first_panel) const {
    static_assert(Nv == 1);
    constexpr int64_t kSteps = kQ8BlockSize / 4;
    const int64_t blocks = k / kQ8BlockSize;
    const uint8_t* w = panels + first_panel * blocks * kQ8PanelBlockBytes;
    const __m256i offset = _mm256_set1_epi8(static_cast<char>(0x80));
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[Mr][2];
    for (int a = 0; a < Mr; ++a) acc[a][0] = acc[a][1] = _mm256_setzero_ps();
    for (int64_t block = 0; block < blocks; ++block) {
      const uint8_t* wb = w + block * kQ8PanelBlockBytes;
      prefetch_q8_0_blocks_ahead<Mr, 1>(wb, blocks * kQ8PanelBlockBytes);
      __m256i sums[Mr][2];
      for (int a = 0; a < Mr; ++a) sums[a][0] = sums[a][1] = _mm256_setzero_si256();
      for (int s = 0; s < kSteps; ++s) {
        __m256i q[2], q_abs[2];
        for (int h = 0; h < 2; ++h) {
          q[h] = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + s * 4 * kPanelRows + 32 * h)),
                                  offset);
          q_abs[h] = _mm256_abs_epi8(q[h]);
        }
        for (int a = 0; a < Mr; ++a) {
          int32_t four;
          std::memcpy(&four, xq + (m0 + a) * k + block * kQ8BlockSize + 4 * s, sizeof(four));
          const __m256i xv = _mm256_set1_epi32(four);
          for (int h = 0; h < 2; ++h) {
            const __m256i pairs = _mm256_maddubs_epi16(q_abs[h], _mm256_sign_epi8(xv, q[h]));
            sums[a][h] = _mm256_add_epi32(sums[a][h], _mm256_madd_epi16(pairs, ones));
          }
        }
      }
      for (int h = 0; h < 2; ++h) {
        const __m256 w_scales = _mm256_loadu_ps(reinterpret_cast<const float*>(wb + kPanelRows * kQ8BlockSize) + 8 * h);
        for (int a = 0; a < Mr; ++a) {
          const __m256 scales = _mm256_mul_ps(w_scales, _mm256_set1_ps(xs[(m0 + a) * blocks + block]));
          acc[a][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums[a][h]), scales, acc[a][h]);
        }
      }
    }
    store_panel_tile(*this, acc, m0, first_panel);
  }
};

// x_sums is not needed: q goes back to signed.
void matmul_q8_0(const int8_t* xq, const float* xs, const int32_t* /*x_sums*/, int64_t m, int64_t k,
                 const uint8_t* panels, int64_t n_begin, int64_t n_end, float* y, int64_t y_stride) {
  const Q8PanelKernel kernel{{{k, n_begin, n_end, y, y_stride}, xq, xs, nullptr, panels}};
  for_each_panel_tile<2, 1>(m, n_begin, n_end, kernel);
}

// q4_0 (layout in kernels.h) one block per step: a block's 16 bytes widen to its 32 q in order
// (the low nibbles, then the high ones). vpmaddubsw multiplies them (unsigned, 0..15) by x, and
// the pair sums less those of 8 * x (once per step for each row of x) are those of (q - 8) * x,
// all within int16 (|x| <= 127).
template <int NR>
struct Q4Kernel {
  using Acc = __m256;
  static constexpr int64_t kStep = kQ8BlockSize;
  const int8_t* xq;
  const float* xs;
  int64_t k;
  const uint8_t* wq;
  const float* ws;
  float* y;
  int64_t y_stride;
  Parking<NR, 8>* parked;

  template <int Mr, int Nr>
  using Rows = Q4Rows<Mr, Nr>;

  template <int Mr, int Nr>
  [[gnu::always_inline]] Rows<Mr, Nr> rows(const TileTask& task) const {
    return Rows<Mr, Nr>::of(task, xq, xs, wq, ws, k);
  }

  static __m256i load_32(const int8_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }

  // One block at column i (k is whole blocks, so every step is full).
  template <int Mr, int Nr, Prefetch kPrefetch>
  [[gnu::always_inline]] void step(__m256 (&acc)[Mr][Nr], const Rows<Mr, Nr>& r, int64_t i, int64_t /*columns*/,
                                   uint32_t prefetch_rows) const {
    const __m256i ones = _mm256_set1_epi16(1);
    const int64_t block = i / kQ8BlockSize;
    __m256i offset[Mr];
    __m256 xscale[Mr];
    for (int a = 0; a < Mr; ++a) {
      offset[a] = _mm256_maddubs_epi16(_mm256_set1_epi8(8), load_32(r.x[a] + i));
      xscale[a] = _mm256_set1_ps(r.x_scales[a][block]);
    }
    for (int b = 0; b < Nr; ++b) {
      const uint8_t* p = r.w[b] + block * kQ4BlockBytes;
      if (fetches_row<kPrefetch>(prefetch_rows, b)) prefetch_ahead(p, Nr * k / 2);
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(bytes, 4), bytes),
                                         _mm256_set1_epi8(0x0F));
      const __m256 wscale = _mm256_set1_ps(r.w_scales[b][block]);
      for (int a = 0; a < Mr; ++a) {
        const __m256i pairs =
            _mm256_sub_epi16(_mm256_maddubs_epi16(q, load_32(r.x[a] + i)), offset[a]);
        const __m256i dots = _mm256_madd_epi16(pairs, ones);
        const __m256 scaled = _mm256_mul_ps(_mm256_cvtepi32_ps(dots), xscale[a]);
        acc[a][b] = _mm256_fmadd_ps(scaled, wscale, acc[a][b]);
      }
    }
  }

  template <int Nr>
  static void store(const __m256 (&acc)[Nr], float* out) {
    store_sums(acc, out);
  }
};

// 2 x 4 tiles, as q8_0; k segments of 8192 values (4 KiB per row of weights).
void matmul_q4_0(const int8_t* xq, const float* xs, int64_t m, int64_t k, const uint8_t* wq,
                 const float* ws, int64_t n_begin, int64_t n_end, float* y, int64_t y_stride) {
  constexpr int kMr = 2;
  constexpr int kNr = 4;
  Parking<kNr, 8> parked;
  const Q4Kernel<kNr> kernel{xq, xs, k, wq, ws, y, y_stride, &parked};
  for_each_tile<kMr, kNr>(m, n_begin, n_end, k, 8192, 1, kernel);
}

// Round-to-nearest-even on the bit pattern, as the scalar f32_to_bf16.
__m128i to_bf16(__m256 v) {
  const __m256i bits = _mm256_castps_si256(v);
  const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
  __m256i rounded = _mm256_srli_epi32(
      _mm256_add_epi32(bits, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7FFF))), 16);
  rounded = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(rounded),
                                                 _mm256_castsi256_ps(_mm256_set1_epi32(0x7FC0)),
                                                 _mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
  return _mm_packus_epi32(_mm256_castsi256_si128(rounded), _mm256_extracti128_si256(rounded, 1));
}

void round_to_bf16(const float* x, int64_t n, uint16_t* out) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), to_bf16(_mm256_loadu_ps(x + i)));
  }
  for (; i < n; ++i) out[i] = f32_to_bf16(x[i]);
}

// round(v) with halves away from zero, as roundf: truncate, then step away from zero when the
// dropped fraction (exact) is at least one half.
__m256 round_half_away(__m256 v) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 truncated = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 fraction = _mm256_andnot_ps(sign, _mm256_sub_ps(v, truncated));
  const __m256 step = _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(v, sign));
  const __m256 up = _mm256_cmp_ps(fraction, _mm256_set1_ps(0.5f), _CMP_GE_OQ);
  return _mm256_add_ps(truncated, _mm256_and_ps(up, step));
}

void quantize_q8_0(const float* x, int64_t n, int8_t* q, float* scales) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t b = 0; b < n / kQ8BlockSize; ++b) {
    const float* xb = x + b * kQ8BlockSize;
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    for (int j = 0; j < 4; ++j) {
      v[j] = _mm256_loadu_ps(xb + 8 * j);
      amax = _mm256_max_ps(_mm256_andnot_ps(sign, v[j]), amax);
    }
    __m128 amax4 = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    amax4 = _mm_max_ps(amax4, _mm_movehl_ps(amax4, amax4));
    amax4 = _mm_max_ss(amax4, _mm_movehdup_ps(amax4));
    const float scale = _mm_cvtss_f32(amax4) / 127.0f;
    const __m256 inverse = _mm256_set1_ps(scale != 0.0f ? 1.0f / scale : 0.0f);
    scales[b] = scale;
    __m256i qi[4];
    for (int j = 0; j < 4; ++j) {
      qi[j] = _mm256_cvttps_epi32(round_half_away(_mm256_mul_ps(v[j], inverse)));
    }
    // The packs interleave 128-bit lanes; the permutation puts the 32 bytes back in order.
    const __m256i bytes =
        _mm256_packs_epi16(_mm256_packs_epi32(qi[0], qi[1]), _mm256_packs_epi32(qi[2], qi[3]));
    _mm256_storeu_si256(
        reinterpret_cast<__m256i*>(q + b * kQ8BlockSize),
        _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
  }
}

// lane_kernels.h's operations on 8 lanes; masks are vmaskmovps's.
struct Avx2Lanes {
  using V = __m256;
  using Mask = __m256i;
  static constexpr int64_t kLanes = 8;
  static Mask lanes_below(int64_t i, int64_t n) {
    const int64_t left = n - i < 8 ? n - i : 8;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static V load(const float* p, Mask mask) { return _mm256_maskload_ps(p, mask); }
  static V load_or(const float* p, Mask mask, float fill) {
    return _mm256_blendv_ps(_mm256_set1_ps(fill), load(p, mask), _mm256_castsi256_ps(mask));
  }
  static void store(float* p, Mask mask, V v) { _mm256_maskstore_ps(p, mask, v); }
  static V set1(float value) { return _mm256_set1_ps(value); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  static V min(V a, V b) { return _mm256_min_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V round_nearest(V v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V pow2(V n) {
    return _mm256_castsi256_ps(
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
  }
  static V negate(V v) { return _mm256_xor_ps(v, _mm256_set1_ps(-0.0f)); }
  static V zero_outside(Mask mask, V v) { return _mm256_and_ps(v, _mm256_castsi256_ps(mask)); }
  static float sum(V v) { return reduce_add(v); }
  static float max_of(V v) {
    __m128 half = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    half = _mm_max_ps(half, _mm_movehl_ps(half, half));
    return _mm_cvtss_f32(_mm_max_ss(half, _mm_movehdup_ps(half)));
  }
  static void store_sums4(float* out, V a, V b, V c, V d, float scale) {
    _mm_storeu_ps(out, _mm_mul_ps(reduce_add4(a, b, c, d), _mm_set1_ps(scale)));
  }
};

}  // namespace

const KernelTable& avx2_kernels() {
  static constexpr KernelTable table{matmul_f32,    matmul_f16,    matmul_bf16,   matmul_bf16_panels, matmul_q8_0,
                                     matmul_q4_0,   round_to_bf16, quantize_q8_0, quantize_q4_0,
                                     dot_rows<Avx2Lanes>, add_weighted_rows<Avx2Lanes>,
                                     softmax<Avx2Lanes>,  silu_mul<Avx2Lanes>,
                                     sum_streams<Avx2Lanes>};
  return table;
}

}  // namespace gatehouse::engine::kernels
