#include "engine/kv_cache.h"

#include <sys/mman.h>

#include "base/error.h"

namespace gatehouse::engine {

KvCache::KvCache(KvCacheShape shape, int64_t num_blocks) : shape_(shape), num_blocks_(num_blocks) {
  bytes_ = static_cast<size_t>(num_blocks) * static_cast<size_t>(shape.block_bytes());
  void* memory = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) {
    throw Error(ErrorCode::resource_exhausted,
                "cannot reserve " + std::to_string(bytes_ >> 20) + " MiB for the KV cache; lower --kv-cache-memory");
  }
  data_ = static_cast<float*>(memory);
}

KvCache::~KvCache() { munmap(data_, bytes_); }

}  // namespace gatehouse::engine
