// Key and value vectors of every layer, in fixed-size blocks of positions (vLLM's paging): a
// sequence owns a list of block ids (its block table) and position p lives in block
// table[p / block_size] at slot p % block_size. The memory is one anonymous mapping reserved up
// front and touched only as blocks are used. Which block belongs to whom is BlockAllocator's
// business; this class only stores. Writers of disjoint slots may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gatehouse::engine {

struct KvCacheShape {
  int64_t layers = 0;
  int64_t kv_dim = 0;      // num_key_value_heads * head_dim
  int64_t block_size = 16;  // positions per block

  // Bytes of one block across all layers, keys and values.
  int64_t block_bytes() const { return layers * 2 * block_size * kv_dim * static_cast<int64_t>(sizeof(float)); }
};

class KvCache {
 public:
  KvCache(KvCacheShape shape, int64_t num_blocks);
  ~KvCache();
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  const KvCacheShape& shape() const { return shape_; }
  int64_t num_blocks() const { return num_blocks_; }

  // [block_size][kv_dim] floats of one block in one layer.
  float* keys(int64_t layer, int32_t block) const { return slot(layer, 0, block); }
  float* values(int64_t layer, int32_t block) const { return slot(layer, 1, block); }

 private:
  float* slot(int64_t layer, int64_t which, int32_t block) const {
    return data_ + ((layer * 2 + which) * num_blocks_ + block) * shape_.block_size * shape_.kv_dim;
  }

  KvCacheShape shape_;
  int64_t num_blocks_ = 0;
  float* data_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace gatehouse::engine
