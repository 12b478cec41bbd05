#include "engine/ops/linear.h"

#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "engine/thread_pool.h"

namespace gatehouse::engine {
namespace {

// The store admits only these three dtypes.
WeightFormat format_of(DType dtype) {
  if (dtype == DType::f16) return WeightFormat::f16;
  if (dtype == DType::bf16) return WeightFormat::bf16;
  return WeightFormat::f32;
}

}  // namespace

Quantization parse_quantization(const std::string& name) {
  if (name.empty() || name == "none") return Quantization::none;
  if (name == "q8_0") return Quantization::q8_0;
  if (name == "q4_0") return Quantization::q4_0;
  throw Error(ErrorCode::invalid_argument,
              "unknown quantization \"" + name + "\"; supported: q8_0, q4_0 (or none)");
}

void Activations::reserve(int64_t max_rows, int64_t max_cols) {
  bf16.resize(max_rows * max_cols);
  q8.resize(max_rows * max_cols);
  q8_scales.resize(max_rows * (max_cols / kernels::kQ8BlockSize + 1));
  q8_sums.resize(q8_scales.size());
}

void Activations::bind(const float* x, int64_t row_count, int64_t col_count) {
  f32 = x;
  rows = row_count;
  cols = col_count;
}

void Activations::prepare(WeightFormat format, int64_t row_begin, int64_t row_end, int64_t col_begin,
                          int64_t col_end) {
  const auto& k = kernels::kernels();
  constexpr int64_t block = kernels::kQ8BlockSize;
  for (int64_t r = row_begin; r < row_end; ++r) {
    const int64_t at = r * cols + col_begin;
    if (format == WeightFormat::bf16) {
      k.round_to_bf16(f32 + at, col_end - col_begin, bf16.data() + at);
    } else if (format == WeightFormat::q8_0 || format == WeightFormat::q4_0) {
      GH_CHECK(col_begin % block == 0 && (col_end - col_begin) % block == 0);
      const int64_t first_block = r * (cols / block) + col_begin / block;
      k.quantize_q8_0(f32 + at, col_end - col_begin, q8.data() + at, q8_scales.data() + first_block);
      for (int64_t b = 0; b < (col_end - col_begin) / block; ++b) {
        const int8_t* q = q8.data() + at + b * block;
        int32_t sum = 0;
        for (int64_t i = 0; i < block; ++i) sum += q[i];
        q8_sums[first_block + b] = sum;
      }
    }
  }
}

Linear::Linear(WeightStore& weights, const std::string& name, int64_t rows, int64_t cols,
               Quantization quantization, ThreadPool& pool)
    : rows_(rows), cols_(cols) {
  const bool quantized = quantization != Quantization::none;
  // Quantized copies and panels are made from the mapping; other dtypes get the store's copy.
  const bool may_pack = !quantized && weights.resident() && cols % 2 == 0;
  TensorView view = weights.require(name, {rows, cols}, quantized || may_pack);
  if (may_pack && view.dtype != DType::bf16) view = weights.require(name, {rows, cols});
  format_ = format_of(view.dtype);
  data_ = view.data;
  if (may_pack && view.dtype == DType::bf16) {
    owned_ = HugePageBuffer(kernels::bf16_panels_size(rows, cols) * sizeof(uint16_t));
    auto* out = static_cast<uint16_t*>(owned_.data());
    const auto* w = static_cast<const uint16_t*>(view.data);
    const int64_t count = kernels::bf16_panels_size(rows, cols) / (kernels::kPanelRows * cols);
    pool.run([&](int thread) {
      auto [begin, end] = pool.share(thread, count);
      for (int64_t p = begin; p < end; ++p) {
        kernels::pack_bf16_panel(w, rows, cols, p, out + p * kernels::kPanelRows * cols);
      }
    });
    data_ = out;
    panels_ = true;
    return;
  }
  if (!quantized) return;
  const bool q4 = quantization == Quantization::q4_0;
  if (cols % kernels::kQ8BlockSize != 0) {
    throw Error(ErrorCode::invalid_argument, std::string(q4 ? "q4_0" : "q8_0") +
                                                 " needs rows that are a multiple of 32 values; " + name +
                                                 " has " + std::to_string(cols));
  }
  format_ = q4 ? WeightFormat::q4_0 : WeightFormat::q8_0;
  data_ = nullptr;
  if (q4) {
    quantize_q4_0(view, pool);
  } else {
    quantize_q8_0(view, pool);
  }
}

// Each panel's rows are quantized on their own, then packed.
void Linear::quantize_q8_0(const TensorView& view, ThreadPool& pool) {
  constexpr int64_t kRows = kernels::kPanelRows;
  const int64_t cols = cols_, blocks = cols / kernels::kQ8BlockSize;
  owned_ = HugePageBuffer(kernels::q8_0_panels_bytes(rows_, cols));
  auto* out = static_cast<uint8_t*>(owned_.data());
  pool.run([&](int thread) {
    std::vector<float> row(cols);
    std::vector<int8_t> q(kRows * cols);
    std::vector<float> scales(kRows * blocks);
    auto [begin, end] = pool.share(thread, (rows_ + kRows - 1) / kRows);
    for (int64_t p = begin; p < end; ++p) {
      const int64_t rows = std::min(kRows, rows_ - p * kRows);
      for (int64_t r = 0; r < rows; ++r) {
        view.row_to_f32(p * kRows + r, row.data());
        kernels::kernels().quantize_q8_0(row.data(), cols, q.data() + r * cols, scales.data() + r * blocks);
      }
      kernels::pack_q8_0_panel(q.data(), scales.data(), rows, cols,
                               out + p * blocks * kernels::kQ8PanelBlockBytes);
    }
  });
}

// Two values a byte (the layout in kernels.h), each row on its own.
void Linear::quantize_q4_0(const TensorView& view, ThreadPool& pool) {
  const int64_t cols = cols_, blocks = cols / kernels::kQ8BlockSize;
  owned_ = HugePageBuffer(rows_ * cols / 2);
  scales_ = HugePageBuffer(rows_ * blocks * sizeof(float));
  auto* values = static_cast<uint8_t*>(owned_.data());
  auto* scales = static_cast<float*>(scales_.data());
  pool.run([&](int thread) {
    std::vector<float> row(cols);
    auto [begin, end] = pool.share(thread, rows_);
    for (int64_t r = begin; r < end; ++r) {
      view.row_to_f32(r, row.data());
      kernels::kernels().quantize_q4_0(row.data(), cols, values + r * cols / 2, scales + r * blocks);
    }
  });
}

void Linear::apply(const Activations& input, int64_t n_begin, int64_t n_end, float* y,
                   int64_t y_stride) const {
  GH_CHECK(input.cols == cols_);
  const auto& k = kernels::kernels();
  switch (format_) {
    case WeightFormat::f32:
      k.matmul_f32(input.f32, input.rows, cols_, static_cast<const float*>(data_), n_begin, n_end, y, y_stride);
      break;
    case WeightFormat::f16:
      k.matmul_f16(input.f32, input.rows, cols_, static_cast<const uint16_t*>(data_), n_begin, n_end, y,
                   y_stride);
      break;
    case WeightFormat::bf16:
      (panels_ ? k.matmul_bf16_panels : k.matmul_bf16)(input.bf16.data(), input.rows, cols_,
                                                       static_cast<const uint16_t*>(data_), n_begin, n_end, y,
                                                       y_stride);
      break;
    case WeightFormat::q8_0:
      k.matmul_q8_0(input.q8.data(), input.q8_scales.data(), input.q8_sums.data(), input.rows, cols_,
                    static_cast<const uint8_t*>(owned_.data()), n_begin, n_end, y, y_stride);
      break;
    case WeightFormat::q4_0:
      k.matmul_q4_0(input.q8.data(), input.q8_scales.data(), input.rows, cols_,
                    static_cast<const uint8_t*>(owned_.data()), static_cast<const float*>(scales_.data()), n_begin,
                    n_end, y, y_stride);
      break;
  }
}

void Linear::row_to_f32(int64_t row, float* out) const {
  GH_CHECK(panels_ && row >= 0 && row < rows_);
  kernels::bf16_panel_row_to_f32(static_cast<const uint16_t*>(data_), cols_, row, out);
}

int64_t Linear::bytes() const {
  switch (format_) {
    case WeightFormat::f32: return rows_ * cols_ * 4;
    case WeightFormat::q8_0: return kernels::q8_0_panels_bytes(rows_, cols_);
    case WeightFormat::q4_0: return rows_ * cols_ / 2 + rows_ * cols_ / kernels::kQ8BlockSize * 4;
    default: return (panels_ ? kernels::bf16_panels_size(rows_, cols_) : rows_ * cols_) * 2;
  }
}

}  // namespace gatehouse::engine
