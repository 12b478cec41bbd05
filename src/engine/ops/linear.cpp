#include "engine/ops/linear.h"

#include <cstring>

#include "base/error.h"
#include "engine/loader/safetensors.h"
#include "engine/thread_pool.h"

namespace gatehouse::engine {
namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

WeightFormat format_of(DType dtype, const std::string& name) {
  switch (dtype) {
    case DType::f32: return WeightFormat::f32;
    case DType::f16: return WeightFormat::f16;
    case DType::bf16: return WeightFormat::bf16;
    default:
      throw Error(ErrorCode::invalid_argument, "tensor " + name + " has dtype " +
                                                   std::string(dtype_name(dtype)) +
                                                   "; supported: BF16, F16, F32");
  }
}

float element_as_f32(DType dtype, const void* data, int64_t index) {
  switch (dtype) {
    case DType::f32: return static_cast<const float*>(data)[index];
    case DType::f16: return kernels::f16_to_f32(static_cast<const uint16_t*>(data)[index]);
    default: return kernels::bf16_to_f32(static_cast<const uint16_t*>(data)[index]);
  }
}

}  // namespace

Quantization parse_quantization(const std::string& name) {
  if (name.empty() || name == "none") return Quantization::none;
  if (name == "q8_0") return Quantization::q8_0;
  throw Error(ErrorCode::invalid_argument,
              "unknown quantization \"" + name + "\"; supported: q8_0 (or none)");
}

TensorView require_tensor(const CheckpointWeights& weights, const std::string& name,
                          std::vector<int64_t> shape) {
  auto [info, file] = weights.find(name);
  if (!info) throw Error(ErrorCode::invalid_argument, "the checkpoint has no tensor " + name);
  if (info->shape != shape) {
    throw Error(ErrorCode::invalid_argument, "tensor " + name + " has shape " +
                                                 shape_string(info->shape) + ", but config.json implies " +
                                                 shape_string(shape));
  }
  format_of(info->dtype, name);
  TensorView view;
  view.dtype = info->dtype;
  view.rows = shape.size() == 2 ? shape[0] : 1;
  view.cols = shape.back();
  view.data = file->data(*info).data();
  return view;
}

std::vector<float> load_vector(const CheckpointWeights& weights, const std::string& name, int64_t size) {
  const TensorView view = require_tensor(weights, name, {size});
  std::vector<float> values(size);
  for (int64_t i = 0; i < size; ++i) values[i] = element_as_f32(view.dtype, view.data, i);
  return values;
}

void Activations::reserve(int64_t max_rows, int64_t max_cols) {
  bf16.resize(max_rows * max_cols);
  q8.resize(max_rows * max_cols);
  q8_scales.resize(max_rows * (max_cols / kernels::kQ8BlockSize + 1));
}

void Activations::prepare(WeightFormat format, const float* x, int64_t row_count, int64_t col_count,
                          int64_t row_begin, int64_t row_end) {
  f32 = x;
  rows = row_count;
  cols = col_count;
  const auto& k = kernels::kernels();
  for (int64_t r = row_begin; r < row_end; ++r) {
    if (format == WeightFormat::bf16) {
      k.round_to_bf16(x + r * cols, cols, bf16.data() + r * cols);
    } else if (format == WeightFormat::q8_0) {
      k.quantize_q8_0(x + r * cols, cols, q8.data() + r * cols,
                      q8_scales.data() + r * (cols / kernels::kQ8BlockSize));
    }
  }
}

Linear::Linear(const CheckpointWeights& weights, const std::string& name, int64_t rows, int64_t cols,
               Quantization quantization, ThreadPool& pool)
    : rows_(rows), cols_(cols) {
  const TensorView view = require_tensor(weights, name, {rows, cols});
  format_ = format_of(view.dtype, name);
  data_ = view.data;
  if (quantization != Quantization::q8_0) return;
  if (cols % kernels::kQ8BlockSize != 0) {
    throw Error(ErrorCode::invalid_argument, "q8_0 needs rows that are a multiple of 32 values; " +
                                                 name + " has " + std::to_string(cols));
  }
  quantized_.resize(rows * cols);
  scales_.resize(rows * cols / kernels::kQ8BlockSize);
  pool.run([&](int thread) {
    std::vector<float> row(cols);
    auto [begin, end] = pool.share(thread, rows);
    for (int64_t r = begin; r < end; ++r) {
      for (int64_t c = 0; c < cols; ++c) row[c] = element_as_f32(view.dtype, view.data, r * cols + c);
      kernels::kernels().quantize_q8_0(row.data(), cols, quantized_.data() + r * cols,
                                       scales_.data() + r * (cols / kernels::kQ8BlockSize));
    }
  });
  format_ = WeightFormat::q8_0;
  data_ = nullptr;
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
      k.matmul_bf16(input.bf16.data(), input.rows, cols_, static_cast<const uint16_t*>(data_), n_begin,
                    n_end, y, y_stride);
      break;
    case WeightFormat::q8_0:
      k.matmul_q8_0(input.q8.data(), input.q8_scales.data(), input.rows, cols_, quantized_.data(),
                    scales_.data(), n_begin, n_end, y, y_stride);
      break;
  }
}

int64_t Linear::bytes() const {
  switch (format_) {
    case WeightFormat::f32: return rows_ * cols_ * 4;
    case WeightFormat::q8_0: return rows_ * cols_ + rows_ * cols_ / kernels::kQ8BlockSize * 4;
    default: return rows_ * cols_ * 2;
  }
}

}  // namespace gatehouse::engine
