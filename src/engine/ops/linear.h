// A linear layer's weight in the form the kernels take: bf16, f16 and f32 as stored (mapped or
// resident, see WeightStore); q8_0 (in panels, kernels.h) and q4_0 are quantized at load time into
// memory the Linear owns.
// A bf16 weight of a resident store is copied into bf16 panels instead (kernels.h), which prefill
// reads at about 1.3 times the speed of rows.
// Activations are prepared once per input (rounded to bf16, or quantized to q8_0, which q4_0
// weights read too) and shared by every Linear that reads that input (q/k/v, gate/up). Immutable
// after loading; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/loader/dtype.h"
#include "engine/ops/weight_store.h"

namespace gatehouse::engine {

class ThreadPool;

enum class WeightFormat { f32, f16, bf16, q8_0, q4_0 };
enum class Quantization { none, q8_0, q4_0 };

// "q8_0" → q8_0, "q4_0" → q4_0, "" or "none" → none; anything else is an invalid_argument error.
Quantization parse_quantization(const std::string& name);

// Input rows of one matrix product, in every form the Linears reading them need. Buffers are
// sized once for the largest batch and reused.
struct Activations {
  const float* f32 = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<uint16_t> bf16;
  std::vector<int8_t> q8;
  std::vector<float> q8_scales;
  std::vector<int32_t> q8_sums;  // each q8_0 block's sum of q

  void reserve(int64_t max_rows, int64_t max_cols);
  // Points at the float input of the next products: `rows` rows of `cols` values. Called before
  // the threads that prepare and read it start.
  void bind(const float* x, int64_t rows, int64_t cols);
  // Prepares rows [row_begin, row_end), columns [col_begin, col_end) for `format` (no work for
  // f32/f16; q4_0 gets q8_0's form). For q8_0 and q4_0 the columns must be whole blocks of 32.
  void prepare(WeightFormat format, int64_t row_begin, int64_t row_end, int64_t col_begin, int64_t col_end);
};

class Linear {
 public:
  Linear() = default;
  // Loads `name` of shape [rows, cols], quantizing it when asked.
  Linear(WeightStore& weights, const std::string& name, int64_t rows, int64_t cols,
         Quantization quantization, ThreadPool& pool);

  WeightFormat format() const { return format_; }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }

  // y[m][n] for n in [n_begin, n_end) and every input row; `input` prepared for format().
  void apply(const Activations& input, int64_t n_begin, int64_t n_end, float* y,
             int64_t y_stride) const;
  // Bytes read per product (for the roofline).
  int64_t bytes() const;
  // Whether the weight is bf16 in panels, whose rows row_to_f32 reads back: a head tied to the
  // embeddings serves the embedding lookup that way rather than keep a second copy in rows.
  bool bf16_panels() const { return panels_; }
  void row_to_f32(int64_t row, float* out) const;

 private:
  void quantize_q8_0(const TensorView& view, ThreadPool& pool);
  void quantize_q4_0(const TensorView& view, ThreadPool& pool);

  WeightFormat format_ = WeightFormat::f32;
  int64_t rows_ = 0;
  int64_t cols_ = 0;
  const void* data_ = nullptr;
  bool panels_ = false;  // bf16 in panels, in owned_
  HugePageBuffer owned_;  // bf16 or q8_0 panels, or q4_0 values
  HugePageBuffer scales_;  // q4_0's
};

}  // namespace gatehouse::engine
