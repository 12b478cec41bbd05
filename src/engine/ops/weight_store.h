// Where a loaded model's weights live. The checkpoint is always memory-mapped and its tensors
// used as stored (BF16, F16, F32, no conversion). With placement `resident`, each tensor the model
// uses is then copied once into anonymous memory backed by transparent huge pages and the mapping
// is dropped: decoding reads every weight at every step, and with 4 KiB file pages the TLB misses
// cost about a sixth of the speed. `mapped` keeps reading the file's pages (least memory, fastest
// start); `automatic` copies when the weights take less than half of the available memory.
// Not thread-safe; used while loading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/loader/dtype.h"

namespace gatehouse::engine {

class CheckpointWeights;

enum class WeightPlacement { automatic, mapped, resident };

// "auto", "mmap" or "memory"; anything else is an invalid_argument error.
WeightPlacement parse_weight_placement(const std::string& name);

// Memory aligned to 2 MiB and advised for transparent huge pages. Move-only.
class HugePageBuffer {
 public:
  HugePageBuffer() = default;
  explicit HugePageBuffer(size_t bytes);
  ~HugePageBuffer();
  HugePageBuffer(HugePageBuffer&& other) noexcept;
  HugePageBuffer& operator=(HugePageBuffer&& other) noexcept;

  void* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_ = 0;
};

// A tensor's bytes and shape, checked against what the model expects.
struct TensorView {
  DType dtype = DType::f32;
  int64_t rows = 0;
  int64_t cols = 0;  // 1-D tensors have rows = 1
  const void* data = nullptr;

  // Row `row` converted to f32 (cols values).
  void row_to_f32(int64_t row, float* out) const;
};

class WeightStore {
 public:
  WeightStore(const std::filesystem::path& folder, WeightPlacement placement);
  ~WeightStore();

  bool resident() const { return resident_; }
  bool contains(const std::string& name) const;
  // `name`, which must have `shape` and a floating-point dtype; errors name the tensor and both
  // shapes. Resident tensors are copied on first use and shared by later calls; a `transient` use
  // (the source of a quantized copy) reads the mapping and copies nothing.
  TensorView require(const std::string& name, const std::vector<int64_t>& shape, bool transient = false);
  // A 1-D tensor (norm weight, bias) converted to f32.
  std::vector<float> load_vector(const std::string& name, int64_t size);
  // Once loading is done: resident stores let go of the file mapping.
  void finish_loading();

 private:
  std::unique_ptr<CheckpointWeights> checkpoint_;
  bool resident_ = false;
  std::map<std::string, HugePageBuffer> copies_;
};

}  // namespace gatehouse::engine
