// The loop nest every instruction set's matrix kernels share. The output [m × (n_begin, n_end)]
// is computed in register tiles of at most MR rows of x by NR rows of w. For each block of NR
// weight rows the loop runs over every row of a chunk of x, so the block stays in L1 and is read
// from memory once per chunk, while the chunk (sized to stay in L2) streams past it. Long rows are
// cut into segments along k, with each tile's accumulators parked between segments, so a block's
// segment still fits in L1; then a group of blocks takes each segment of the chunk in turn, so
// the chunk's segment (not its whole rows) is what stays in L2, and a chunk can have as many rows
// as when k is short (a quarter more speed at k = 8192, m = 128 here). Edge tiles are smaller instantiations of the same tile and segment
// boundaries fall on whole vector steps, so every output is computed by the same instruction
// sequence whatever m, the tiling or the range of n.
#pragma once

#include <cstdint>
#include <cstring>
#include <utility>

#include "engine/kernels/kernels.h"

namespace gatehouse::engine::kernels {

// Bytes of x kept hot in L2 while a block of weights is applied to it (one segment of k of each
// row when k is segmented).
inline constexpr int64_t kXChunkBytes = 512 * 1024;
// When k is segmented: the most rows of x per chunk, and the blocks of weights that take each
// segment of the chunk's rows in turn before the next segment; together they bound the parked
// accumulators.
inline constexpr int64_t kMaxSegmentedRows = 128;
inline constexpr int64_t kSegmentedBlocks = 8;

// One tile's share of the work: rows [m0, m0 + Mr) of x, rows [n0, n0 + Nr) of w, columns
// [k_begin, k_end) of k. A tile that does not end k parks its accumulators in slot `slot` (its
// block within the group and row within the chunk), and one that does not start k picks them up
// from there. The tiles over
// a block of weights share out fetching the next block into L2, row b of it by tile b % tiles
// (bit b of prefetch_rows), so that memory keeps reading however many rows of x pass the block.
struct TileTask {
  int64_t m0;
  int64_t n0;
  int64_t k_begin;
  int64_t k_end;
  int64_t slot;
  uint32_t prefetch_rows;
};

// Which rows of the next block a step fetches: none, all of them, or those in prefetch_rows.
enum class Prefetch { none, all, some };

template <Prefetch kPrefetch>
[[gnu::always_inline]] inline bool fetches_row(uint32_t prefetch_rows, int b) {
  return kPrefetch == Prefetch::all || (kPrefetch == Prefetch::some && (prefetch_rows >> b & 1));
}

// Where tiles' accumulators (vectors of kLanes floats) wait between segments of k: a group's
// kSegmentedBlocks × kMaxSegmentedRows rows of NR accumulators (at most 512 KiB). Lives on the
// kernel's stack.
template <int NR, int kLanes>
class Parking {
 public:
  // Zeroes a tile's accumulators at the start of k, or picks up the ones it parked.
  template <class V, int Mr, int Nr>
  [[gnu::always_inline]] void resume(V (&acc)[Mr][Nr], const TileTask& task) const {
    static_assert(sizeof(V) == kLanes * sizeof(float));
    for (int a = 0; a < Mr; ++a) {
      for (int b = 0; b < Nr; ++b) {
        acc[a][b] = V{};
        if (task.k_begin != 0) {
          std::memcpy(&acc[a][b], slots_ + ((task.slot + a) * NR + b) * kLanes, sizeof(V));
        }
      }
    }
  }

  // Parks a tile's accumulators if k goes on past this segment; false when they are final.
  template <class V, int Mr, int Nr>
  [[gnu::always_inline]] bool park(const V (&acc)[Mr][Nr], const TileTask& task, int64_t k) {
    if (task.k_end == k) return false;
    for (int a = 0; a < Mr; ++a) {
      for (int b = 0; b < Nr; ++b) {
        std::memcpy(slots_ + ((task.slot + a) * NR + b) * kLanes, &acc[a][b], sizeof(V));
      }
    }
    return true;
  }

 private:
  alignas(64) float slots_[kSegmentedBlocks * kMaxSegmentedRows * NR * kLanes];
};

// A plain product's tile rows (f32, f16 or bf16 values, k a row).
template <class X, class W, int Mr, int Nr>
struct DenseRows {
  const X* x[Mr];
  const W* w[Nr];

  [[gnu::always_inline]] static DenseRows of(const TileTask& task, const X* x, const W* w, int64_t k) {
    DenseRows rows;
    for (int a = 0; a < Mr; ++a) rows.x[a] = x + (task.m0 + a) * k;
    for (int b = 0; b < Nr; ++b) rows.w[b] = w + (task.n0 + b) * k;
    return rows;
  }
};

// A q4_0 product's tile rows: x's int8 values and block scales, and w's packed nibbles (k / 2
// bytes a row) and block scales.
template <int Mr, int Nr>
struct Q4Rows {
  const int8_t* x[Mr];
  const float* x_scales[Mr];
  const uint8_t* w[Nr];
  const float* w_scales[Nr];

  [[gnu::always_inline]] static Q4Rows of(const TileTask& task, const int8_t* xq, const float* xs, const uint8_t* wq,
                                          const float* ws, int64_t k) {
    const int64_t blocks = k / kQ8BlockSize;
    Q4Rows rows;
    for (int a = 0; a < Mr; ++a) {
      rows.x[a] = xq + (task.m0 + a) * k;
      rows.x_scales[a] = xs + (task.m0 + a) * blocks;
    }
    for (int b = 0; b < Nr; ++b) {
      rows.w[b] = wq + (task.n0 + b) * k / 2;
      rows.w_scales[b] = ws + (task.n0 + b) * blocks;
    }
    return rows;
  }
};

// Prefetches into L2 the element `ahead` elements past p (the same column of the next block).
template <class T>
[[gnu::always_inline]] inline void prefetch_ahead(const T* p, int64_t ahead) {
  __builtin_prefetch(p + ahead, 0, 2);
}

// One tile from start to end: its accumulators zeroed or resumed, the steps along its part of k
// (a step takes Kernel::kStep columns, fewer at the end of k), then parked or summed into y.
// Kernel is an ISA-private type providing
//   Acc, the accumulator vector, and kStep;
//   k, y, y_stride and parked (a Parking);
//   template <int Mr, int Nr> Rows<Mr, Nr> rows(const TileTask&) const, the tile's row pointers;
//   template <int Mr, int Nr, Prefetch> void step(Acc (&)[Mr][Nr], const Rows<Mr, Nr>&, int64_t i,
//                                                 int64_t columns, uint32_t prefetch_rows) const;
//   template <int Nr> static void store(const Acc (&)[Nr], float* out), the sums of a row.
template <int Mr, int Nr, class Kernel>
void run_tile(const Kernel& kernel, const TileTask& task) {
  const auto rows = kernel.template rows<Mr, Nr>(task);
  typename Kernel::Acc acc[Mr][Nr];
  kernel.parked->resume(acc, task);
  constexpr int64_t kStep = Kernel::kStep;
  constexpr uint32_t kEveryRow = (1u << Nr) - 1;
  int64_t i = task.k_begin;
  const int64_t full_end = task.k_end - kStep;
  if ((task.prefetch_rows & kEveryRow) == kEveryRow) {
    for (; i <= full_end; i += kStep) kernel.template step<Mr, Nr, Prefetch::all>(acc, rows, i, kStep, 0);
  } else if ((task.prefetch_rows & kEveryRow) != 0) {
    for (; i <= full_end; i += kStep) {
      kernel.template step<Mr, Nr, Prefetch::some>(acc, rows, i, kStep, task.prefetch_rows);
    }
  } else {
    for (; i <= full_end; i += kStep) kernel.template step<Mr, Nr, Prefetch::none>(acc, rows, i, kStep, 0);
  }
  if (i < task.k_end) kernel.template step<Mr, Nr, Prefetch::none>(acc, rows, i, task.k_end - i, 0);
  if (kernel.parked->park(acc, task, kernel.k)) return;
  for (int a = 0; a < Mr; ++a) Kernel::store(acc[a], kernel.y + (task.m0 + a) * kernel.y_stride + task.n0);
}

// Tiles of plain products (f32, f16, bf16) for one set's element Format, which provides X and W,
// Acc and its kLanes, kStep, full and ragged (`count` elements) load_x and load_w, madd(acc, x, w),
// and store(const Acc (&)[Nr], float* out), the sums of a row of accumulators. NR is the widest
// tile, which sizes the parking space.
template <class Format, int NR>
struct DotKernel {
  using Acc = typename Format::Acc;
  static constexpr int64_t kStep = Format::kStep;
  const typename Format::X* x;
  int64_t k;
  const typename Format::W* w;
  float* y;
  int64_t y_stride;
  Parking<NR, Format::kLanes>* parked;

  template <int Mr, int Nr>
  using Rows = DenseRows<typename Format::X, typename Format::W, Mr, Nr>;

  template <int Mr, int Nr>
  [[gnu::always_inline]] Rows<Mr, Nr> rows(const TileTask& task) const {
    return Rows<Mr, Nr>::of(task, x, w, k);
  }

  // Multiplies Mr rows of x by Nr rows of w at column i (ragged loads for a short last step).
  template <int Mr, int Nr, Prefetch kPrefetch>
  [[gnu::always_inline]] void step(Acc (&acc)[Mr][Nr], const Rows<Mr, Nr>& r, int64_t i, int64_t columns,
                                   uint32_t prefetch_rows) const {
    const bool full = columns == kStep;
    decltype(Format::load_x(r.x[0])) xv[Mr];
    for (int a = 0; a < Mr; ++a) xv[a] = full ? Format::load_x(r.x[a] + i) : Format::load_x(r.x[a] + i, columns);
    for (int b = 0; b < Nr; ++b) {
      if (fetches_row<kPrefetch>(prefetch_rows, b)) prefetch_ahead(r.w[b] + i, Nr * k);
      const auto wv = full ? Format::load_w(r.w[b] + i) : Format::load_w(r.w[b] + i, columns);
      for (int a = 0; a < Mr; ++a) acc[a][b] = Format::madd(acc[a][b], xv[a], wv);
    }
  }

  template <int Nr>
  static void store(const Acc (&acc)[Nr], float* out) {
    Format::store(acc, out);
  }
};

// Calls visit.template operator()<Mr, Nr>() with the compile-time tile size (mr, nr), at most
// (MR, NR): edge tiles are smaller instantiations of the same code.
template <int MR, int NR, class Visit>
void with_tile_size(int mr, int nr, Visit&& visit) {
  if constexpr (MR > 1) {
    if (mr < MR) return with_tile_size<MR - 1, NR>(mr, nr, visit);
  }
  if constexpr (NR > 1) {
    if (nr < NR) return with_tile_size<MR, NR - 1>(mr, nr, visit);
  }
  visit.template operator()<MR, NR>();
}

// k_segment (a multiple of the kernel's step) is the longest stretch of k a tile covers at once;
// x_element_bytes sizes the chunks of x.
template <int MR, int NR, class Kernel>
void for_each_tile(int64_t m, int64_t n_begin, int64_t n_end, int64_t k, int64_t k_segment,
                   int64_t x_element_bytes, const Kernel& kernel) {
  const bool segmented = k > k_segment;
  int64_t chunk = kXChunkBytes / ((segmented ? k_segment : k > 0 ? k : 1) * x_element_bytes);
  if (segmented && chunk > kMaxSegmentedRows) chunk = kMaxSegmentedRows;
  chunk = chunk < MR ? MR : chunk - chunk % MR;
  for (int64_t mc = 0; mc < m; mc += chunk) {
    const int64_t mc_end = m - mc < chunk ? m : mc + chunk;
    const int64_t tiles = (mc_end - mc + MR - 1) / MR;
    // Several blocks share each segment of x while it is in L2; one tile of rows gains nothing.
    const int64_t group = segmented && tiles > 1 ? kSegmentedBlocks : 1;
    for (int64_t g0 = n_begin; g0 < n_end; g0 += group * NR) {
      const int64_t g_end = n_end - g0 < group * NR ? n_end : g0 + group * NR;
      for (int64_t k_begin = 0; k_begin < k || k_begin == 0; k_begin += k_segment) {
        const int64_t k_end = k - k_begin < k_segment ? k : k_begin + k_segment;
        for (int64_t n0 = g0; n0 < g_end; n0 += NR) {
          const int nr = static_cast<int>(g_end - n0 < NR ? g_end - n0 : NR);
          for (int64_t m0 = mc; m0 < mc_end; m0 += MR) {
            const int mr = static_cast<int>(mc_end - m0 < MR ? mc_end - m0 : MR);
            uint32_t prefetch_rows = 0;
            for (int b = 0; b < nr; ++b) prefetch_rows |= (b % tiles == (m0 - mc) / MR ? 1u : 0u) << b;
            const int64_t slot = (n0 - g0) / NR * chunk + (m0 - mc);
            const TileTask task{m0, n0, k_begin, k_end, slot, prefetch_rows};
            with_tile_size<MR, NR>(mr, nr, [&]<int Mr, int Nr>() { run_tile<Mr, Nr>(kernel, task); });
          }
        }
      }
    }
  }
}

// What every product with weights in panels shares, as each set's panel tiles take it: k, the
// output rows [n_begin, n_end) and where they go.
struct PanelProduct {
  int64_t k;
  int64_t n_begin;
  int64_t n_end;
  float* y;
  int64_t y_stride;

  // The rows of `panel` inside [n_begin, n_end), counted from the panel's first row: [from, to).
  std::pair<int64_t, int64_t> rows_in_range(int64_t panel) const {
    const int64_t first_row = panel * kPanelRows;
    return {n_begin > first_row ? n_begin - first_row : 0,
            n_end - first_row < kPanelRows ? n_end - first_row : kPanelRows};
  }
};

struct Bf16PanelProduct : PanelProduct {
  const uint16_t* x;
  const uint16_t* panels;
};

struct Q8PanelProduct : PanelProduct {
  const int8_t* xq;
  const float* xs;
  const int32_t* x_sums;
  const uint8_t* panels;
};

// A product with fewer than kFewRows rows of x (decode of one to three sequences) is mostly a read
// of its weights, and its tiles read kFewRowsPanels panels side by side: with four streams per
// core, two cores here read bf16 and q8_0 panels about a tenth faster than with three, and five or
// more gain nothing.
inline constexpr int kFewRows = 4;
inline constexpr int kFewRowsPanels = 4;

// Fetches into L1 the block four blocks on from wb in each of a tile's Nv q8_0 panels
// (panel_bytes apart), for a tile of Mr rows of x. A tile of several rows computes long enough on
// each block that the core does not reach the next blocks' loads in time on its own: with it, the
// 135M shape's LM head at batch 8 takes a quarter less time. A tile of one row leaves it to the
// hardware prefetchers, which keep up with it: software prefetches there cost a sixth of its rate.
template <int Mr, int Nv>
[[gnu::always_inline]] inline void prefetch_q8_0_blocks_ahead(const uint8_t* wb, int64_t panel_bytes) {
  if constexpr (Mr == 1) return;
  constexpr int64_t kBlocksAhead = 4;
  for (int v = 0; v < Nv; ++v) {
    for (int64_t line = 0; line < kQ8PanelBlockBytes; line += 64) {
      __builtin_prefetch(wb + v * panel_bytes + kBlocksAhead * kQ8PanelBlockBytes + line, 0, 3);
    }
  }
}

// The tiles of a product with weights in panels: the panels that hold rows [n_begin, n_end),
// in groups of up to NV, each group over every row of x in tiles of up to MR rows, so a group's
// panels are read from memory once and from cache by the other tiles. Kernel provides
// template <int Mr, int Nv> void tile(int64_t m0, int64_t first_panel) const.
template <int MR, int NV, class Kernel>
void for_each_panel_tile(int64_t m, int64_t n_begin, int64_t n_end, const Kernel& kernel) {
  const int64_t panel_end = (n_end + kPanelRows - 1) / kPanelRows;
  for (int64_t p0 = n_begin / kPanelRows; p0 < panel_end;) {
    // NV + 1 panels left go as two groups, not NV and one: a single panel's accumulators are too
    // few to hide the products' latency.
    const int64_t left = panel_end - p0;
    const int nv = static_cast<int>(left == NV + 1 && NV > 2 ? 2 : left < NV ? left : NV);
    for (int64_t m0 = 0; m0 < m; m0 += MR) {
      const int mr = static_cast<int>(m - m0 < MR ? m - m0 : MR);
      with_tile_size<MR, NV>(mr, nv, [&]<int Mr, int Nv>() { kernel.template tile<Mr, Nv>(m0, p0); });
    }
    p0 += nv;
  }
}

}  // namespace gatehouse::engine::kernels
