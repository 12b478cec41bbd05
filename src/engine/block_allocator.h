// Hands out KV-cache blocks and keeps the prefix cache. Blocks are reference-counted: a block
// shared by several sequences (a common prompt prefix, the n samples of one request) is freed
// when the last one lets go. A full block can be registered under the hash of its tokens and of
// everything before them; a later sequence with the same prefix takes it instead of computing it
// again. Registered blocks nobody holds stay cached until space is needed, least recently used
// first. Not thread-safe: the scheduler owns it.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace gatehouse::engine {

class BlockAllocator {
 public:
  BlockAllocator(int64_t num_blocks, int64_t block_size, bool prefix_caching);

  int64_t num_blocks() const { return static_cast<int64_t>(blocks_.size()); }
  int64_t block_size() const { return block_size_; }
  // Blocks allocate() can still return (free or cached and unreferenced).
  int64_t available() const { return static_cast<int64_t>(free_.size() + evictable_.size()); }
  int64_t used() const { return num_blocks() - available(); }

  // A block with one reference, or nullopt when none is left.
  std::optional<int32_t> allocate();
  void retain(int32_t block);
  void release(int32_t block);

  // The hash that identifies a full block: of the previous block's hash and this block's tokens.
  static uint64_t chain_hash(uint64_t parent, std::span<const int32_t> tokens);
  // A cached block with these tokens after this parent, retained for the caller.
  std::optional<int32_t> lookup(uint64_t hash, std::span<const int32_t> tokens);
  // Offers a full block, whose keys and values are computed, to the prefix cache.
  void register_full(int32_t block, uint64_t hash, std::span<const int32_t> tokens);

 private:
  struct Block {
    int32_t references = 0;
    std::optional<uint64_t> hash;
    std::vector<int32_t> tokens;  // of a registered block, to rule out hash collisions
    std::list<int32_t>::iterator evictable_position;
  };
  void forget(int32_t block);

  int64_t block_size_;
  bool prefix_caching_;
  std::vector<Block> blocks_;
  std::vector<int32_t> free_;
  std::list<int32_t> evictable_;  // registered, unreferenced; front = least recently used
  std::unordered_map<uint64_t, int32_t> cached_;
};

}  // namespace gatehouse::engine
