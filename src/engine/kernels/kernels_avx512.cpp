// AVX-512 kernels (F, BW, VL, BF16, VNNI), compiled with their own -m flags. Matrix products are
// register tiles of dot products (tile_loop.h): each output owns one zmm accumulator that runs
// along k in steps of one vector, the ragged end of k is a masked load into the same accumulator,
// and the 16 lanes are summed by a fixed halving tree. Everything here has internal linkage so
// no AVX-512 code can stand in for an inline function of the baseline build.
// GCC 12's avx512fintrin.h trips its own -Wuninitialized (GCC bug 105593, fixed in later releases).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "engine/kernels/isa_tables.h"
#include "engine/kernels/kernels.h"
#include "engine/kernels/lane_kernels.h"
#include "engine/kernels/tile_loop.h"

namespace gatehouse::engine::kernels {
namespace {

// Lanes 0..count-1 set.
__mmask16 low_mask16(int64_t count) { return static_cast<__mmask16>((1u << count) - 1); }
__mmask32 low_mask32(int64_t count) { return static_cast<__mmask32>((1ull << count) - 1); }

// The sum of v's 16 lanes by a fixed halving tree: lane i + lane i+8, then i + i+4, i + i+2,
// i + i+1.
float reduce_add(__m512 v) {
  const __m256 half = _mm256_add_ps(
      _mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  __m128 quarter = _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
  quarter = _mm_add_ps(quarter, _mm_movehl_ps(quarter, quarter));
  return _mm_cvtss_f32(_mm_add_ss(quarter, _mm_movehdup_ps(quarter)));
}

// reduce_add of four vectors at once (the same tree, so the same sums), transposing as it goes.
[[gnu::always_inline]] inline __m128 reduce_add4(__m512 a, __m512 b, __m512 c, __m512 d) {
  const __m512 ab = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                                  _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
  const __m512 cd = _mm512_add_ps(_mm512_shuffle_f32x4(c, d, _MM_SHUFFLE(1, 0, 1, 0)),
                                  _mm512_shuffle_f32x4(c, d, _MM_SHUFFLE(3, 2, 3, 2)));
  __m512 sums = _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, _MM_SHUFFLE(2, 0, 2, 0)),
                              _mm512_shuffle_f32x4(ab, cd, _MM_SHUFFLE(3, 1, 3, 1)));
  sums = _mm512_add_ps(sums, _mm512_shuffle_ps(sums, sums, _MM_SHUFFLE(1, 0, 3, 2)));
  sums = _mm512_add_ps(sums, _mm512_shuffle_ps(sums, sums, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm512_castps512_ps128(_mm512_permutexvar_ps(
      _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), sums));
}

// Stores the sums of a row of Nr accumulators to out[0..Nr), four at a time.
template <int Nr>
[[gnu::always_inline]] inline void store_sums(const __m512 (&acc)[Nr], float* out) {
  const __m512 zero = _mm512_setzero_ps();
  for (int b = 0; b < Nr; b += 4) {
    const int count = Nr - b < 4 ? Nr - b : 4;
    const __m128 sums = reduce_add4(acc[b], count > 1 ? acc[b + 1] : zero,
                                    count > 2 ? acc[b + 2] : zero, count > 3 ? acc[b + 3] : zero);
    if (count == 4) {
      _mm_storeu_ps(out + b, sums);
    } else {
      _mm_mask_storeu_ps(out + b, static_cast<__mmask8>((1u << count) - 1), sums);
    }
  }
}

// What every element format of this set shares: f32 accumulators, fused multiply-add into them,
// and the sums of a row of them.
struct Avx512Sums {
  using Acc = __m512;
  static constexpr int kLanes = 16;
  static __m512 madd(__m512 acc, __m512 x, __m512 w) { return _mm512_fmadd_ps(x, w, acc); }
  template <int Nr>
  static void store(const __m512 (&acc)[Nr], float* out) {
    store_sums(acc, out);
  }
};

// How one element type steps along k: its vector width, full and masked loads, and the
// multiply-accumulate into an f32 accumulator.
struct F32Format : Avx512Sums {
  using X = float;
  using W = float;
  static constexpr int64_t kStep = 16;
  static __m512 load_x(const float* p) { return _mm512_loadu_ps(p); }
  static __m512 load_x(const float* p, int64_t count) {
    return _mm512_maskz_loadu_ps(low_mask16(count), p);
  }
  static __m512 load_w(const float* p) { return load_x(p); }
  static __m512 load_w(const float* p, int64_t count) { return load_x(p, count); }
};

struct F16Format : Avx512Sums {
  using X = float;
  using W = uint16_t;
  static constexpr int64_t kStep = 16;
  static __m512 load_x(const float* p) { return F32Format::load_x(p); }
  static __m512 load_x(const float* p, int64_t count) { return F32Format::load_x(p, count); }
  static __m512 load_w(const uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static __m512 load_w(const uint16_t* p, int64_t count) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(low_mask16(count), p));
  }
};

struct Bf16Format : Avx512Sums {
  using X = uint16_t;
  using W = uint16_t;
  static constexpr int64_t kStep = 32;
  static __m512bh load_x(const uint16_t* p) { return (__m512bh)_mm512_loadu_si512(p); }
  static __m512bh load_x(const uint16_t* p, int64_t count) {
    return (__m512bh)_mm512_maskz_loadu_epi16(low_mask32(count), p);
  }
  static __m512bh load_w(const uint16_t* p) { return load_x(p); }
  static __m512bh load_w(const uint16_t* p, int64_t count) { return load_x(p, count); }
  static __m512 madd(__m512 acc, __m512bh x, __m512bh w) { return _mm512_dpbf16_ps(acc, x, w); }
};

// 4 x 6 tiles: 24 accumulators, 4 rows of x in registers, one row of w at a time; each k segment
// of a weight block is 4 KiB per row.
template <class Format>
void matmul(const typename Format::X* x, int64_t m, int64_t k, const typename Format::W* w,
            int64_t n_begin, int64_t n_end, float* y, int64_t y_stride) {
  constexpr int kMr = 4;
  constexpr int kNr = 6;
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

// Stores a panel tile's accumulators, one vector of 16 rows per row of x and panel, to the rows of
// each panel inside the product's range.
template <int Mr, int Nv>
void store_panel_tile(const PanelProduct& product, const __m512 (&acc)[Mr][Nv], int64_t m0, int64_t first_panel) {
  for (int v = 0; v < Nv; ++v) {
    const int64_t first_row = (first_panel + v) * kPanelRows;
    const auto [from, to] = product.rows_in_range(first_panel + v);
    const auto rows = static_cast<__mmask16>(low_mask16(to) & ~low_mask16(from));
    for (int a = 0; a < Mr; ++a) {
      _mm512_mask_storeu_ps(product.y + (m0 + a) * product.y_stride + first_row, rows, acc[a][v]);
    }
  }
}

// Products with bf16 panels (kernels.h) are outer products: a tile of Mr rows of x and Nv panels
// keeps Mr x Nv accumulators of 16 outputs each, and a step loads each panel's next 64 bytes and
// broadcasts each row's pair of x values, so every accumulator takes one vdpbf16ps per step, along
// k in order. 8 x 3 tiles: 24 accumulators, and 11 loads for 24 products a step; up to 3 x 4
// for fewer rows (kFewRowsPanels).
struct PanelKernel : Bf16PanelProduct {
  template <int Mr, int Nv>
  void tile(int64_t m0, int64_t first_panel) const {
    constexpr int64_t kStepValues = 2 * kPanelRows;
    const int64_t panel_values = kPanelRows * k;
    const uint16_t* w = panels + first_panel * panel_values;
    const uint16_t* xr = x + m0 * k;
    __m512 acc[Mr][Nv];
    for (int a = 0; a < Mr; ++a) {
      for (int v = 0; v < Nv; ++v) acc[a][v] = _mm512_setzero_ps();
    }
    for (int64_t j = 0; j < k / 2; ++j) {
      __m512bh wv[Nv];
      for (int v = 0; v < Nv; ++v) {
        wv[v] = (__m512bh)_mm512_loadu_si512(w + v * panel_values + j * kStepValues);
      }
      for (int a = 0; a < Mr; ++a) {
        uint32_t pair;
        std::memcpy(&pair, xr + a * k + 2 * j, sizeof(pair));
        const __m512bh xv = (__m512bh)_mm512_set1_epi32(static_cast<int>(pair));
        for (int v = 0; v < Nv; ++v) acc[a][v] = _mm512_dpbf16_ps(acc[a][v], xv, wv[v]);
      }
    }
    store_panel_tile(*this, acc, m0, first_panel);
  }
};

void matmul_bf16_panels(const uint16_t* x, int64_t m, int64_t k, const uint16_t* panels, int64_t n_begin,
                        int64_t n_end, float* y, int64_t y_stride) {
  const PanelKernel kernel{{{k, n_begin, n_end, y, y_stride}, x, panels}};
  if (m < kFewRows) {
    for_each_panel_tile<kFewRows - 1, kFewRowsPanels>(m, n_begin, n_end, kernel);
  } else {
    for_each_panel_tile<8, 3>(m, n_begin, n_end, kernel);
  }
}

// Products with q8_0 panels (kernels.h) are outer products too: a step loads each panel's next 64
// bytes (four unsigned q + 128 of 16 rows) and broadcasts four of each row of x's q, and one
// vpdpbusd adds the four products into each weight row's int32 lane. The offset adds 128 times
// the sum of x's q to a block, so each block's sums start at minus that; after the block's 8
// steps they are its exact integer dot products, and one conversion and one fma per vector add
// them into f32 accumulators. Integer sums come out the same in any order, so small tiles split
// each block's steps between several sums to hide vpdpbusd's latency. 4 x 3 tiles: 12 sums and 12
// accumulators; up to 3 x 4 for fewer rows (kFewRowsPanels).
struct Q8PanelKernel : Q8PanelProduct {
  template <int Mr, int Nv>
  void tile(int64_t m0, int64_t first_panel) const {
    constexpr int kSplits = Mr * Nv >= 8 ? 1 : Mr * Nv >= 4 ? 2 : 4;
    constexpr int64_t kSteps = kQ8BlockSize / 4;
    const int64_t blocks = k / kQ8BlockSize;
    const int64_t panel_bytes = blocks * kQ8PanelBlockBytes;
    const uint8_t* w = panels + first_panel * panel_bytes;
    __m512 acc[Mr][Nv];
    for (int a = 0; a < Mr; ++a) {
      for (int v = 0; v < Nv; ++v) acc[a][v] = _mm512_setzero_ps();
    }
    for (int64_t block = 0; block < blocks; ++block) {
      const uint8_t* wb = w + block * kQ8PanelBlockBytes;
      __m512i sums[kSplits][Mr][Nv];
      for (int a = 0; a < Mr; ++a) {
        const __m512i start = _mm512_set1_epi32(-128 * x_sums[(m0 + a) * blocks + block]);
        for (int v = 0; v < Nv; ++v) {
          sums[0][a][v] = start;
          for (int c = 1; c < kSplits; ++c) sums[c][a][v] = _mm512_setzero_si512();
        }
      }
      prefetch_q8_0_blocks_ahead<Mr, Nv>(wb, panel_bytes);
      for (int s = 0; s < kSteps; ++s) {
        __m512i wv[Nv];
        for (int v = 0; v < Nv; ++v) wv[v] = _mm512_loadu_si512(wb + v * panel_bytes + s * 4 * kPanelRows);
        for (int a = 0; a < Mr; ++a) {
          int32_t four;
          std::memcpy(&four, xq + (m0 + a) * k + block * kQ8BlockSize + 4 * s, sizeof(four));
          const __m512i xv = _mm512_set1_epi32(four);
          for (int v = 0; v < Nv; ++v) sums[s % kSplits][a][v] = _mm512_dpbusd_epi32(sums[s % kSplits][a][v], wv[v], xv);
        }
      }
      for (int v = 0; v < Nv; ++v) {
        const __m512 w_scales = _mm512_loadu_ps(wb + v * panel_bytes + kPanelRows * kQ8BlockSize);
        for (int a = 0; a < Mr; ++a) {
          __m512i dots = sums[0][a][v];
          for (int c = 1; c < kSplits; ++c) dots = _mm512_add_epi32(dots, sums[c][a][v]);
          const __m512 scales = _mm512_mul_ps(w_scales, _mm512_set1_ps(xs[(m0 + a) * blocks + block]));
          acc[a][v] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots), scales, acc[a][v]);
        }
      }
    }
    store_panel_tile(*this, acc, m0, first_panel);
  }
};

void matmul_q8_0(const int8_t* xq, const float* xs, const int32_t* x_sums, int64_t m, int64_t k,
                 const uint8_t* panels, int64_t n_begin, int64_t n_end, float* y, int64_t y_stride) {
  const Q8PanelKernel kernel{{{k, n_begin, n_end, y, y_stride}, xq, xs, x_sums, panels}};
  if (m < kFewRows) {
    for_each_panel_tile<kFewRows - 1, kFewRowsPanels>(m, n_begin, n_end, kernel);
  } else {
    for_each_panel_tile<4, 3>(m, n_begin, n_end, kernel);
  }
}

// q4_0 (layout in kernels.h) in steps of four blocks: one 64-byte load of w's q, whose low nibbles
// are the blocks' first halves (values 0-15 of each) and whose high nibbles their second halves.
// x's four blocks are regrouped the same way (16-byte quarters 0, 2, 4, 6 and 1, 3, 5, 7), so both
// vpdpbusd (the q, 0..15, are valid unsigned bytes) accumulate into int32 lanes 4b..4b+3 for block
// b, and one conversion and scaling serves four blocks. The q's offset, 8 * sum(x), starts the
// int32 sums negated. The end of k (one to three blocks) is the same step on masked loads.
template <int NR>
struct Q4Kernel {
  using Acc = __m512;
  static constexpr int64_t kStep = 4 * kQ8BlockSize;
  const int8_t* xq;
  const float* xs;
  int64_t k;
  const uint8_t* wq;
  const float* ws;
  float* y;
  int64_t y_stride;
  Parking<NR, 16>* parked;

  template <int Mr, int Nr>
  using Rows = Q4Rows<Mr, Nr>;

  template <int Mr, int Nr>
  [[gnu::always_inline]] Rows<Mr, Nr> rows(const TileTask& task) const {
    return Rows<Mr, Nr>::of(task, xq, xs, wq, ws, k);
  }

  // Four blocks' scales, each over four lanes (of `count` blocks; the rest zero).
  [[gnu::always_inline]] static __m512 scales(const float* s, int64_t count) {
    const __m128 four = count == 4 ? _mm_loadu_ps(s)
                                   : _mm_maskz_loadu_ps(static_cast<__mmask8>((1u << count) - 1), s);
    return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3),
                                 _mm512_castps128_ps512(four));
  }

  // The first `bytes` bytes at p (all 64 when bytes is 64), zeros after.
  [[gnu::always_inline]] static __m512i load(const void* p, int64_t bytes) {
    return bytes == 64 ? _mm512_loadu_si512(p)
                       : _mm512_maskz_loadu_epi8(bytes == 0 ? 0 : ~0ull >> (64 - bytes), p);
  }

  // Multiplies Mr rows of x by Nr rows of w over four blocks (one to four at the end of k) from
  // column i.
  template <int Mr, int Nr, Prefetch kPrefetch>
  [[gnu::always_inline]] void step(__m512 (&acc)[Mr][Nr], const Rows<Mr, Nr>& r, int64_t i, int64_t columns,
                                   uint32_t prefetch_rows) const {
    const int64_t count = columns / kQ8BlockSize;
    const __m512i eights = _mm512_set1_epi8(8);
    const __m512i nibble = _mm512_set1_epi8(0x0F);
    const int64_t block = i / kQ8BlockSize;
    __m512i x_first[Mr];
    __m512i x_second[Mr];
    __m512i start[Mr];
    __m512 xscale[Mr];
    for (int a = 0; a < Mr; ++a) {
      const __m512i low = load(r.x[a] + i, count >= 2 ? 64 : 32 * count);
      const __m512i high = load(r.x[a] + i + 64, count >= 2 ? 32 * (count - 2) : 0);
      x_first[a] = _mm512_shuffle_i64x2(low, high, _MM_SHUFFLE(2, 0, 2, 0));
      x_second[a] = _mm512_shuffle_i64x2(low, high, _MM_SHUFFLE(3, 1, 3, 1));
      start[a] = _mm512_sub_epi32(
          _mm512_setzero_si512(),
          _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), eights, x_first[a]),
                              eights, x_second[a]));
      xscale[a] = scales(r.x_scales[a] + block, count);
    }
    for (int b = 0; b < Nr; ++b) {
      const uint8_t* p = r.w[b] + block * kQ4BlockBytes;
      if (fetches_row<kPrefetch>(prefetch_rows, b)) {
        // The scales too: at a fifth of the bytes they would otherwise come late.
        prefetch_ahead(p, Nr * k / 2);
        prefetch_ahead(r.w_scales[b] + block, Nr * (k / kQ8BlockSize));
      }
      const __m512i wv = load(p, count * kQ4BlockBytes);
      const __m512i w_first = _mm512_and_si512(wv, nibble);
      const __m512i w_second = _mm512_and_si512(_mm512_srli_epi16(wv, 4), nibble);
      const __m512 wscale = scales(r.w_scales[b] + block, count);
      for (int a = 0; a < Mr; ++a) {
        const __m512i dots = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(start[a], w_first, x_first[a]),
                                                 w_second, x_second[a]);
        const __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(dots), xscale[a]);
        acc[a][b] = _mm512_fmadd_ps(scaled, wscale, acc[a][b]);
      }
    }
  }

  template <int Nr>
  static void store(const __m512 (&acc)[Nr], float* out) {
    store_sums(acc, out);
  }
};

// 2 x 8 tiles (the per-row state of x takes four registers; eight rows of weights at once keep
// more of memory's reads in flight at m = 1); k segments of 8192 values (4 KiB per row of
// weights).
void matmul_q4_0(const int8_t* xq, const float* xs, int64_t m, int64_t k, const uint8_t* wq,
                 const float* ws, int64_t n_begin, int64_t n_end, float* y, int64_t y_stride) {
  constexpr int kMr = 2;
  constexpr int kNr = 8;
  Parking<kNr, 16> parked;
  const Q4Kernel<kNr> kernel{xq, xs, k, wq, ws, y, y_stride, &parked};
  for_each_tile<kMr, kNr>(m, n_begin, n_end, k, 8192, 1, kernel);
}

// Round-to-nearest-even on the bit pattern, as the scalar f32_to_bf16 (vcvtneps2bf16 would flush
// subnormals and keep NaN payloads).
__m256i to_bf16(__m512 v) {
  const __m512i bits = _mm512_castps_si512(v);
  const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  __m512i rounded = _mm512_srli_epi32(
      _mm512_add_epi32(bits, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7FFF))), 16);
  rounded = _mm512_mask_mov_epi32(rounded, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q),
                                  _mm512_set1_epi32(0x7FC0));
  return _mm512_cvtepi32_epi16(rounded);
}

void round_to_bf16(const float* x, int64_t n, uint16_t* out) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), to_bf16(_mm512_loadu_ps(x + i)));
  }
  if (i < n) {
    const __mmask16 mask = low_mask16(n - i);
    _mm256_mask_storeu_epi16(out + i, mask, to_bf16(_mm512_maskz_loadu_ps(mask, x + i)));
  }
}

// round(v) with halves away from zero, as roundf: truncate, then step away from zero when the
// dropped fraction (exact) is at least one half.
__m512 round_half_away(__m512 v) {
  const __m512 truncated = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m512 fraction = _mm512_abs_ps(_mm512_sub_ps(v, truncated));
  const __m512 step = _mm512_castsi512_ps(
      _mm512_or_si512(_mm512_castps_si512(_mm512_set1_ps(1.0f)),
                      _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN))));
  const __mmask16 up = _mm512_cmp_ps_mask(fraction, _mm512_set1_ps(0.5f), _CMP_GE_OQ);
  return _mm512_mask_add_ps(truncated, up, truncated, step);
}

void quantize_q8_0(const float* x, int64_t n, int8_t* q, float* scales) {
  for (int64_t b = 0; b < n / kQ8BlockSize; ++b) {
    const float* xb = x + b * kQ8BlockSize;
    const __m512 lo = _mm512_loadu_ps(xb);
    const __m512 hi = _mm512_loadu_ps(xb + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(lo), _mm512_abs_ps(hi)));
    const float scale = amax / 127.0f;
    const __m512 inverse = _mm512_set1_ps(scale != 0.0f ? 1.0f / scale : 0.0f);
    scales[b] = scale;
    const __m512i q_lo = _mm512_cvttps_epi32(round_half_away(_mm512_mul_ps(lo, inverse)));
    const __m512i q_hi = _mm512_cvttps_epi32(round_half_away(_mm512_mul_ps(hi, inverse)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + b * kQ8BlockSize), _mm512_cvtepi32_epi8(q_lo));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + b * kQ8BlockSize + 16),
                     _mm512_cvtepi32_epi8(q_hi));
  }
}

// lane_kernels.h's operations on 16 lanes.
struct Avx512Lanes {
  using V = __m512;
  using Mask = __mmask16;
  static constexpr int64_t kLanes = 16;
  static Mask lanes_below(int64_t i, int64_t n) {
    return n - i >= 16 ? static_cast<Mask>(0xFFFF) : low_mask16(n - i > 0 ? n - i : 0);
  }
  static V load(const float* p, Mask mask) { return _mm512_maskz_loadu_ps(mask, p); }
  static V load_or(const float* p, Mask mask, float fill) {
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), mask, p);
  }
  static void store(float* p, Mask mask, V v) { _mm512_mask_storeu_ps(p, mask, v); }
  static V set1(float value) { return _mm512_set1_ps(value); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V div(V a, V b) { return _mm512_div_ps(a, b); }
  static V min(V a, V b) { return _mm512_min_ps(a, b); }
  static V max(V a, V b) { return _mm512_max_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V round_nearest(V v) { return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V pow2(V n) {
    return _mm512_castsi512_ps(
        _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23));
  }
  static V negate(V v) {
    return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN)));
  }
  static V zero_outside(Mask mask, V v) { return _mm512_maskz_mov_ps(mask, v); }
  static float sum(V v) { return reduce_add(v); }
  static float max_of(V v) { return _mm512_reduce_max_ps(v); }
  static void store_sums4(float* out, V a, V b, V c, V d, float scale) {
    _mm_storeu_ps(out, _mm_mul_ps(reduce_add4(a, b, c, d), _mm_set1_ps(scale)));
  }
};

}  // namespace

const KernelTable& avx512_kernels() {
  static constexpr KernelTable table{matmul_f32,    matmul_f16,    matmul_bf16,   matmul_bf16_panels, matmul_q8_0,
                                     matmul_q4_0,   round_to_bf16, quantize_q8_0, quantize_q4_0,
                                     dot_rows<Avx512Lanes>, add_weighted_rows<Avx512Lanes>,
                                     softmax<Avx512Lanes>,  silu_mul<Avx512Lanes>,
                                     sum_streams<Avx512Lanes>};
  return table;
}

}  // namespace gatehouse::engine::kernels
