// The loop nest every instruction set's matrix kernels share. The output [m × (n_begin, n_end)]
// is computed in register tiles of at most MR rows of x by NR rows of w. For each block of NR
// weight rows the loop runs over every row of a chunk of x, so the block stays in L1 and is read
// from memory once per chunk, while the chunk (sized to stay in L2) streams past it. Long rows are
// cut into segments along k, with each tile's accumulators parked between segments, so a block's
// segment still fits in L1. Edge tiles are smaller instantiations of the same tile and segment
// boundaries fall on whole vector steps, so every output is computed by the same instruction
// sequence whatever m, the tiling or the range of n.
#pragma once

#include <cstdint>
#include <cstring>

namespace gatehouse::engine::kernels {

// Bytes of x kept hot in L2 while a block of weights is applied to it.
inline constexpr int64_t kXChunkBytes = 512 * 1024;
// Rows of x per chunk when k is segmented, which bounds the parked accumulators.
inline constexpr int64_t kMaxSegmentedRows = 64;

// One tile's share of the work: rows [m0, m0 + Mr) of x, rows [n0, n0 + Nr) of w, columns
// [k_begin, k_end) of k. A tile that does not end k parks its accumulators in slot `slot` (its
// row within the chunk), and one that does not start k picks them up from there. The first tile
// over a block of weights prefetches the next block into L2.
struct TileTask {
  int64_t m0;
  int64_t n0;
  int64_t k_begin;
  int64_t k_end;
  int64_t slot;
  bool prefetch_next;
};

// Where tiles' accumulators (vectors of kLanes floats) wait between segments of k:
// kMaxSegmentedRows rows of NR accumulators. Lives on the kernel's stack.
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
  alignas(64) float slots_[kMaxSegmentedRows * NR * kLanes];
};

// Prefetches into L2 the element `ahead` elements past p (the same column of the next block).
template <class T>
[[gnu::always_inline]] inline void prefetch_ahead(const T* p, int64_t ahead) {
  __builtin_prefetch(p + ahead, 0, 2);
}

template <int Mr, int Nr, class Kernel>
void run_tile_cols(int nr, const Kernel& kernel, const TileTask& task) {
  if constexpr (Nr > 1) {
    if (nr < Nr) return run_tile_cols<Mr, Nr - 1>(nr, kernel, task);
  }
  kernel.template tile<Mr, Nr>(task);
}

template <int Mr, int Nr, class Kernel>
void run_tile(int mr, int nr, const Kernel& kernel, const TileTask& task) {
  if constexpr (Mr > 1) {
    if (mr < Mr) return run_tile<Mr - 1, Nr>(mr, nr, kernel, task);
  }
  run_tile_cols<Mr, Nr>(nr, kernel, task);
}

// k_segment (a multiple of the kernel's vector step) is the longest stretch of k a tile covers at
// once; x_element_bytes sizes the chunks of x. Kernel is an ISA-private type providing
// `template <int Mr, int Nr> void tile(const TileTask&) const`.
template <int MR, int NR, class Kernel>
void for_each_tile(int64_t m, int64_t n_begin, int64_t n_end, int64_t k, int64_t k_segment,
                   int64_t x_element_bytes, const Kernel& kernel) {
  int64_t chunk = kXChunkBytes / ((k > 0 ? k : 1) * x_element_bytes);
  if (k > k_segment && chunk > kMaxSegmentedRows) chunk = kMaxSegmentedRows;
  chunk = chunk < MR ? MR : chunk - chunk % MR;
  for (int64_t mc = 0; mc < m; mc += chunk) {
    const int64_t mc_end = m - mc < chunk ? m : mc + chunk;
    for (int64_t n0 = n_begin; n0 < n_end; n0 += NR) {
      const int nr = static_cast<int>(n_end - n0 < NR ? n_end - n0 : NR);
      for (int64_t k_begin = 0; k_begin < k || k_begin == 0; k_begin += k_segment) {
        const int64_t k_end = k - k_begin < k_segment ? k : k_begin + k_segment;
        for (int64_t m0 = mc; m0 < mc_end; m0 += MR) {
          const int mr = static_cast<int>(mc_end - m0 < MR ? mc_end - m0 : MR);
          run_tile<MR, NR>(mr, nr, kernel, {m0, n0, k_begin, k_end, m0 - mc, m0 == mc});
        }
      }
    }
  }
}

}  // namespace gatehouse::engine::kernels
