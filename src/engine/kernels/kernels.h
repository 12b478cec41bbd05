// The engine's hot loops, one table of functions per instruction set. The table for the best set
// the CPU supports is picked once at start-up (GATEHOUSE_ISA=scalar|avx2|avx512 caps it, which is
// how tests exercise every fallback); each set is compiled in its own translation unit with its
// own -m flags, so the rest of the engine builds for baseline x86-64.
//
// Matrix products use the weight layout Hugging Face stores: row-major [rows = out, cols = in],
// y[m][n] = sum_k x[m][k] * w[n][k], or for bf16 weights copied into memory at load time, the
// panel layout below. Each output is one dot product over k whose order does not depend on m, the
// number of rows or the range of n, so a sequence gives the same result whether it runs alone or
// in a batch. Kernels never allocate, never throw, and are safe to call from several threads on
// disjoint outputs.
#pragma once

#include <cstdint>
#include <string_view>

namespace gatehouse::engine::kernels {

enum class Isa { scalar, avx2, avx512 };  // avx512 means F, BW, VL, BF16 and VNNI

// The best set this CPU supports, capped by GATEHOUSE_ISA when set.
Isa detect_isa();
// Whether the CPU can run a set (scalar always can).
bool cpu_supports(Isa isa);
std::string_view isa_name(Isa isa);

// q8_0: int8 values in blocks of 32 along a row, each block with one float scale
// (value = scale * q). Rows of a q8_0 matrix must have a multiple of 32 columns.
inline constexpr int64_t kQ8BlockSize = 32;

// q4_0 (llama.cpp's Q4_0): blocks of 32 values along a row, each with one float scale d and 32
// unsigned 4-bit q (value = (q - 8) * d). Rows must have a multiple of 32 columns. Each block's q
// take 16 bytes, as llama.cpp's block_q4_0 lays them out: byte j holds q_j in its low nibble and
// q_{j+16} in its high one, so a row of k values is k / 2 bytes. One 512-bit load covers four
// blocks: its low nibbles are the first halves of the four blocks and its high nibbles the second
// halves, which the kernels meet with x's 16-byte quarters regrouped the same way, so that each
// int32 lane of the dot products stays within one block. The scales are a separate float
// [n][k / 32] array, as q8_0's.
inline constexpr int64_t kQ4BlockBytes = kQ8BlockSize / 2;

// Rows of w per panel, in both panel layouts below: a product then reads one stream per panel,
// and each step of it is one instruction that multiplies x's values broadcast against the 16
// rows in the lanes of a vector, so outputs need no horizontal sums.
inline constexpr int64_t kPanelRows = 16;

// bf16 panels: the rows of a bf16 matrix [n][k] (k even) in groups of 16, each group one panel of
// k / 2 steps, a step holding the 16 rows' values at columns 2j and 2j + 1 (row r's pair at
// values 2r and 2r + 1; 64 bytes), for one vdpbf16ps of a pair of x's values. The last panel's
// rows past n are zero.
// Values in the panels of an [n][k] matrix.
inline int64_t bf16_panels_size(int64_t n, int64_t k) {
  return (n + kPanelRows - 1) / kPanelRows * kPanelRows * k;
}
// Writes panel `panel` of w [n][k] (k even) to out (kPanelRows * k values). Load-time only,
// shared by every set.
void pack_bf16_panel(const uint16_t* w, int64_t n, int64_t k, int64_t panel, uint16_t* out);
// Row `row` of the matrix whose panels start at `panels` (k columns), widened to f32.
void bf16_panel_row_to_f32(const uint16_t* panels, int64_t k, int64_t row, float* out);

// q8_0 panels: the rows of a q8_0 matrix [n][k] in groups of 16, each group one panel of k / 32
// blocks of kQ8PanelBlockBytes: 8 steps of 64 bytes, step s holding the 16 rows' q at the block's
// columns 4s..4s+3 (row r's at bytes 4r..4r+3) as unsigned bytes q + 128, for one vpdpbusd of
// four of x's q; then the 16 rows' scales of the block (floats). Rows past n have q = 0 and scale 0.
inline constexpr int64_t kQ8PanelBlockBytes = kPanelRows * kQ8BlockSize + kPanelRows * sizeof(float);
// Bytes of the panels of an [n][k] matrix.
inline int64_t q8_0_panels_bytes(int64_t n, int64_t k) {
  return (n + kPanelRows - 1) / kPanelRows * (k / kQ8BlockSize) * kQ8PanelBlockBytes;
}
// Writes one panel from `rows` (at most kPanelRows) rows of q8_0 values q [rows][k] and their
// scales [rows][k / 32]. Load-time only, shared by every set.
void pack_q8_0_panel(const int8_t* q, const float* scales, int64_t rows, int64_t k, uint8_t* out);

struct KernelTable {
  // Weights f32; x f32 [m][k] with row stride k.
  void (*matmul_f32)(const float* x, int64_t m, int64_t k, const float* w, int64_t n_begin,
                     int64_t n_end, float* y, int64_t y_stride);
  // Weights f16 (IEEE half); x f32.
  void (*matmul_f16)(const float* x, int64_t m, int64_t k, const uint16_t* w, int64_t n_begin,
                     int64_t n_end, float* y, int64_t y_stride);
  // Weights bf16; x already rounded to bf16 (see round_to_bf16); products summed in f32.
  void (*matmul_bf16)(const uint16_t* x, int64_t m, int64_t k, const uint16_t* w, int64_t n_begin,
                      int64_t n_end, float* y, int64_t y_stride);
  // Weights bf16 in panels (pack_bf16_panel) of an [n][k] matrix, k even; x as for matmul_bf16.
  // Each output is one f32 sum taking k's pairs in order; any n_begin and n_end <= n.
  void (*matmul_bf16_panels)(const uint16_t* x, int64_t m, int64_t k, const uint16_t* panels,
                             int64_t n_begin, int64_t n_end, float* y, int64_t y_stride);
  // Weights q8_0 in panels (pack_q8_0_panel) of an [n][k] matrix; x quantized by quantize_q8_0,
  // x_sums the sum of each of its blocks' q ([m][k/32], for sets that take w's q + 128 as they
  // are). Each output is one f32 sum over k's blocks in order, each block adding
  // fma(float(its exact integer dot product), w's scale * x's scale): the same bits on every set.
  void (*matmul_q8_0)(const int8_t* xq, const float* xs, const int32_t* x_sums, int64_t m, int64_t k,
                      const uint8_t* panels, int64_t n_begin, int64_t n_end, float* y, int64_t y_stride);
  // Weights q4_0 (wq packed [n][k/2] bytes, ws float [n][k/32]); x quantized by quantize_q8_0.
  // Each block adds d_w * d_x * sum((q - 8) * x_q), the sum exact in integers.
  void (*matmul_q4_0)(const int8_t* xq, const float* xs, int64_t m, int64_t k, const uint8_t* wq,
                      const float* ws, int64_t n_begin, int64_t n_end, float* y, int64_t y_stride);

  // Round-to-nearest-even, as torch's .to(torch.bfloat16); NaN stays NaN.
  void (*round_to_bf16)(const float* x, int64_t n, uint16_t* out);
  // Symmetric per-block quantization: scale = max|x| / 127, q = round(x / scale) (half away
  // from zero); an all-zero block has scale 0. n is a multiple of 32.
  void (*quantize_q8_0)(const float* x, int64_t n, int8_t* q, float* scales);
  // n values (a multiple of 32) to q4_0 (n / 2 bytes of q, n / 32 scales), as
  // llama.cpp's quantize_row_q4_0_ref: max = the value of largest magnitude (the first, sign
  // kept), d = max / -8, q = min(15, trunc(x * (1 / d) + 8.5)) (q = 8 when d is 0). Load-time
  // only: every set shares one scalar implementation.
  void (*quantize_q4_0)(const float* x, int64_t n, uint8_t* q, float* scales);

  // Attention over the query heads of one key-value head, a run of cached positions at a time
  // (rows `stride` floats apart), the queries n values apart:
  // out[g * out_stride + j] = scale * dot(q + g * n, rows + j * stride) over n values, for
  // g < queries and j < count.
  void (*dot_rows)(const float* q, int64_t queries, const float* rows, int64_t stride, int64_t count, int64_t n,
                   float scale, float* out, int64_t out_stride);
  // out[g * n + i] += sum over j < count of weights[g * weights_stride + j] * rows[j * stride + i],
  // for g < queries and i < n.
  void (*add_weighted_rows)(const float* weights, int64_t queries, int64_t weights_stride, const float* rows,
                            int64_t stride, int64_t count, int64_t n, float* out);
  // x = softmax(x) over n > 0 values: exp(x - max) (lane_kernels.h), times 1 / their sum.
  void (*softmax)(float* x, int64_t n);
  // gate = silu(gate) * up = gate / (1 + exp(-gate)) * up, with lane_kernels.h's exp.
  void (*silu_mul)(float* gate, const float* up, int64_t n);
  // The sum of x[0, n) read as `streams` (1, 2, 4 or 8) equal parts side by side, at the set's full
  // vector width, leaving out each part's last partial vector: how `gatehouse bench` measures read
  // bandwidth.
  float (*sum_streams)(const float* x, int64_t n, int streams);
};

// The table for a set; the caller must check cpu_supports first.
const KernelTable& kernels_for(Isa isa);
// The table for detect_isa(), chosen once.
const KernelTable& kernels();

// Conversions used outside the hot loops, and by the scalar kernels.
float bf16_to_f32(uint16_t value);
uint16_t f32_to_bf16(float value);  // round-to-nearest-even
float f16_to_f32(uint16_t value);
uint16_t f32_to_f16(float value);  // round-to-nearest-even

}  // namespace gatehouse::engine::kernels
