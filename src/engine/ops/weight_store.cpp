#include "engine/ops/weight_store.h"

#include <sys/mman.h>

#include <cstring>
#include <fstream>
#include <utility>

#include "base/error.h"
#include "engine/kernels/kernels.h"
#include "engine/loader/safetensors.h"

namespace gatehouse::engine {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// MemAvailable from /proc/meminfo, or 0 when it cannot be read.
uint64_t available_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

uint64_t checkpoint_bytes(const std::filesystem::path& folder) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    // Only regular files count: file_size() of anything else is an error (-1), and the loader
    // refuses such a file by name anyway.
    if (entry.path().extension() == ".safetensors" && entry.is_regular_file(ec)) {
      uintmax_t size = entry.file_size(ec);
      if (!ec) total += size;
    }
  }
  return total;
}

}  // namespace

void TensorView::row_to_f32(int64_t row, float* out) const {
  switch (dtype) {
    case DType::f32:
      std::memcpy(out, static_cast<const float*>(data) + row * cols, cols * sizeof(float));
      break;
    case DType::f16:
      for (int64_t c = 0; c < cols; ++c) out[c] = kernels::f16_to_f32(static_cast<const uint16_t*>(data)[row * cols + c]);
      break;
    default:
      for (int64_t c = 0; c < cols; ++c) out[c] = kernels::bf16_to_f32(static_cast<const uint16_t*>(data)[row * cols + c]);
      break;
  }
}

WeightPlacement parse_weight_placement(const std::string& name) {
  if (name == "auto") return WeightPlacement::automatic;
  if (name == "mmap") return WeightPlacement::mapped;
  if (name == "memory") return WeightPlacement::resident;
  throw Error(ErrorCode::invalid_argument, "unknown weight placement \"" + name + "\"; use auto, mmap or memory");
}

HugePageBuffer::HugePageBuffer(size_t bytes) : size_(bytes) {
  // Map one huge page more than needed and unmap the ends, so the buffer starts on a 2 MiB
  // boundary.
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* memory = mmap(nullptr, rounded + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    throw Error(ErrorCode::resource_exhausted, "cannot allocate " + std::to_string(bytes >> 20) + " MiB for weights");
  }
  const uintptr_t start = reinterpret_cast<uintptr_t>(memory);
  const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) munmap(memory, aligned - start);
  if (const size_t tail = kHugePage - (aligned - start); tail > 0) munmap(reinterpret_cast<void*>(aligned + rounded), tail);
  data_ = reinterpret_cast<void*>(aligned);
  mapped_ = rounded;
  madvise(data_, mapped_, MADV_HUGEPAGE);
}

HugePageBuffer::~HugePageBuffer() {
  if (data_) munmap(data_, mapped_);
}

HugePageBuffer::HugePageBuffer(HugePageBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)), mapped_(std::exchange(other.mapped_, 0)) {}

HugePageBuffer& HugePageBuffer::operator=(HugePageBuffer&& other) noexcept {
  if (this != &other) {
    if (data_) munmap(data_, mapped_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

WeightStore::WeightStore(const std::filesystem::path& folder, WeightPlacement placement)
    : checkpoint_(std::make_unique<CheckpointWeights>(folder)) {
  resident_ = placement == WeightPlacement::resident ||
              (placement == WeightPlacement::automatic && checkpoint_bytes(folder) < available_memory() / 2);
}

WeightStore::~WeightStore() = default;

bool WeightStore::contains(const std::string& name) const {
  return copies_.contains(name) || (checkpoint_ && checkpoint_->find(name).first != nullptr);
}

TensorView WeightStore::require(const std::string& name, const std::vector<int64_t>& shape, bool transient) {
  GH_CHECK(checkpoint_);  // nothing is loaded after finish_loading()
  auto [info, file] = checkpoint_->find(name);
  if (!info) throw Error(ErrorCode::invalid_argument, "the checkpoint has no tensor " + name);
  if (info->shape != shape) {
    throw Error(ErrorCode::invalid_argument, "tensor " + name + " has shape " + shape_string(info->shape) +
                                                 ", but config.json implies " + shape_string(shape));
  }
  if (info->dtype != DType::f32 && info->dtype != DType::f16 && info->dtype != DType::bf16) {
    throw Error(ErrorCode::invalid_argument, "tensor " + name + " has dtype " + std::string(dtype_name(info->dtype)) +
                                                 "; supported: BF16, F16, F32");
  }
  TensorView view{info->dtype, shape.size() == 2 ? shape[0] : 1, shape.back(), file->data(*info).data()};
  if (resident_ && !transient && shape.size() == 2) {
    auto [copy, inserted] = copies_.try_emplace(name);
    if (inserted) {
      copy->second = HugePageBuffer(info->size);
      std::memcpy(copy->second.data(), view.data, info->size);
    }
    view.data = copy->second.data();
  }
  return view;
}

std::vector<float> WeightStore::load_vector(const std::string& name, int64_t size) {
  const TensorView view = require(name, {size});
  std::vector<float> values(size);
  view.row_to_f32(0, values.data());
  return values;
}

void WeightStore::finish_loading() {
  if (resident_) checkpoint_.reset();
}

}  // namespace gatehouse::engine
