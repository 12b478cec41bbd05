#include "engine/block_allocator.h"

#include <algorithm>

#include "base/error.h"

namespace gatehouse::engine {

BlockAllocator::BlockAllocator(int64_t num_blocks, int64_t block_size, bool prefix_caching)
    : block_size_(block_size), prefix_caching_(prefix_caching), blocks_(num_blocks) {
  free_.reserve(num_blocks);
  for (int64_t block = num_blocks - 1; block >= 0; --block) free_.push_back(static_cast<int32_t>(block));
}

std::optional<int32_t> BlockAllocator::allocate() {
  int32_t block;
  if (!free_.empty()) {
    block = free_.back();
    free_.pop_back();
  } else if (!evictable_.empty()) {
    block = evictable_.front();
    evictable_.pop_front();
    forget(block);
  } else {
    return std::nullopt;
  }
  blocks_[block].references = 1;
  return block;
}

void BlockAllocator::retain(int32_t block) {
  Block& entry = blocks_[block];
  if (entry.references++ == 0) {
    GH_CHECK(entry.hash);  // only cached blocks are retained from zero
    evictable_.erase(entry.evictable_position);
  }
}

void BlockAllocator::release(int32_t block) {
  Block& entry = blocks_[block];
  GH_CHECK(entry.references > 0);
  if (--entry.references > 0) return;
  if (entry.hash) {
    entry.evictable_position = evictable_.insert(evictable_.end(), block);
  } else {
    free_.push_back(block);
  }
}

uint64_t BlockAllocator::chain_hash(uint64_t parent, std::span<const int32_t> tokens) {
  // FNV-1a over the parent hash and the token ids, finished with a 64-bit mixer.
  uint64_t hash = 1469598103934665603ull ^ parent;
  auto mix = [&](uint64_t value) {
    for (int byte = 0; byte < 8; ++byte) {
      hash ^= (value >> (byte * 8)) & 0xff;
      hash *= 1099511628211ull;
    }
  };
  for (int32_t token : tokens) mix(static_cast<uint32_t>(token));
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdull;
  hash ^= hash >> 33;
  return hash;
}

std::optional<int32_t> BlockAllocator::lookup(uint64_t hash, std::span<const int32_t> tokens) {
  if (!prefix_caching_) return std::nullopt;
  auto found = cached_.find(hash);
  if (found == cached_.end()) return std::nullopt;
  const Block& entry = blocks_[found->second];
  if (!std::equal(tokens.begin(), tokens.end(), entry.tokens.begin(), entry.tokens.end())) return std::nullopt;
  retain(found->second);
  return found->second;
}

void BlockAllocator::register_full(int32_t block, uint64_t hash, std::span<const int32_t> tokens) {
  if (!prefix_caching_ || cached_.contains(hash)) return;
  Block& entry = blocks_[block];
  if (entry.hash) return;
  entry.hash = hash;
  entry.tokens.assign(tokens.begin(), tokens.end());
  cached_.emplace(hash, block);
}

void BlockAllocator::forget(int32_t block) {
  Block& entry = blocks_[block];
  cached_.erase(*entry.hash);
  entry.hash.reset();
  entry.tokens.clear();
}

}  // namespace gatehouse::engine
