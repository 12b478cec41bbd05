// Reference counting, the prefix cache and its eviction order.
#include "engine/block_allocator.h"

#include <gtest/gtest.h>

#include <vector>

namespace gatehouse::engine {
namespace {

TEST(BlockAllocator, AllocatesUntilEmptyAndReusesReleased) {
  BlockAllocator allocator(3, 4, true);
  std::vector<int32_t> blocks;
  for (int i = 0; i < 3; ++i) blocks.push_back(*allocator.allocate());
  EXPECT_FALSE(allocator.allocate());
  EXPECT_EQ(allocator.available(), 0);
  allocator.release(blocks[1]);
  EXPECT_EQ(allocator.allocate(), blocks[1]);
}

TEST(BlockAllocator, SharedBlockIsFreedByTheLastHolder) {
  BlockAllocator allocator(1, 4, false);
  const int32_t block = *allocator.allocate();
  allocator.retain(block);
  allocator.release(block);
  EXPECT_EQ(allocator.available(), 0);
  allocator.release(block);
  EXPECT_EQ(allocator.available(), 1);
}

TEST(BlockAllocator, RegisteredBlockIsFoundAgainAfterRelease) {
  BlockAllocator allocator(2, 4, true);
  const std::vector<int32_t> tokens{1, 2, 3, 4};
  const uint64_t hash = BlockAllocator::chain_hash(0, tokens);
  const int32_t block = *allocator.allocate();
  allocator.register_full(block, hash, tokens);
  allocator.release(block);
  EXPECT_EQ(allocator.available(), 2);  // cached but evictable
  EXPECT_EQ(allocator.lookup(hash, tokens), block);
  EXPECT_EQ(allocator.available(), 1);
  // Same hash with other tokens (a collision) is not a hit.
  EXPECT_FALSE(allocator.lookup(hash, std::vector<int32_t>{1, 2, 3, 5}));
}

TEST(BlockAllocator, ChainHashDependsOnThePrefix) {
  const std::vector<int32_t> tokens{7, 8};
  EXPECT_NE(BlockAllocator::chain_hash(0, tokens), BlockAllocator::chain_hash(1, tokens));
  EXPECT_NE(BlockAllocator::chain_hash(0, tokens), BlockAllocator::chain_hash(0, std::vector<int32_t>{8, 7}));
}

TEST(BlockAllocator, EvictsLeastRecentlyReleasedFirst) {
  BlockAllocator allocator(2, 1, true);
  const std::vector<int32_t> a{1}, b{2};
  const int32_t first = *allocator.allocate();
  const int32_t second = *allocator.allocate();
  allocator.register_full(first, BlockAllocator::chain_hash(0, a), a);
  allocator.register_full(second, BlockAllocator::chain_hash(0, b), b);
  allocator.release(first);
  allocator.release(second);
  EXPECT_EQ(allocator.allocate(), first);  // evicts the older one
  EXPECT_FALSE(allocator.lookup(BlockAllocator::chain_hash(0, a), a));
  EXPECT_EQ(allocator.lookup(BlockAllocator::chain_hash(0, b), b), second);
}

TEST(BlockAllocator, DisabledPrefixCacheNeverHits) {
  BlockAllocator allocator(1, 1, false);
  const std::vector<int32_t> tokens{3};
  const int32_t block = *allocator.allocate();
  allocator.register_full(block, BlockAllocator::chain_hash(0, tokens), tokens);
  allocator.release(block);
  EXPECT_FALSE(allocator.lookup(BlockAllocator::chain_hash(0, tokens), tokens));
}

}  // namespace
}  // namespace gatehouse::engine
