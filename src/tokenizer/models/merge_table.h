// MergeTable: BPE's (left id, right id) -> (rank, merged id) map, as an open-addressing hash
// table over 64-bit keys, because it is probed for every adjacent pair of every word.
// Immutable after construction; thread-safe to read.
#pragma once

#include <cstdint>
#include <vector>

namespace gatehouse::tokenizer::models {

class MergeTable {
 public:
  struct Entry {
    uint64_t key;
    uint32_t rank;
    uint32_t new_id;
  };

  // Sizes the table for `count` merges (call before insert).
  void reserve(size_t count) {
    size_t capacity = 16;
    while (capacity < count * 2) capacity *= 2;
    slots_.assign(capacity, Entry{kEmpty, 0, 0});
    mask_ = capacity - 1;
  }

  // A later insert of the same pair replaces the earlier one, as HF's HashMap collect does.
  void insert(uint32_t left, uint32_t right, uint32_t rank, uint32_t new_id) {
    uint64_t key = pack(left, right);
    for (size_t slot = hash(key) & mask_;; slot = (slot + 1) & mask_) {
      if (slots_[slot].key == kEmpty || slots_[slot].key == key) {
        slots_[slot] = {key, rank, new_id};
        return;
      }
    }
  }

  const Entry* find(uint32_t left, uint32_t right) const {
    uint64_t key = pack(left, right);
    for (size_t slot = hash(key) & mask_;; slot = (slot + 1) & mask_) {
      const Entry& entry = slots_[slot];
      if (entry.key == key) return &entry;
      if (entry.key == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t(0);
  static uint64_t pack(uint32_t left, uint32_t right) { return (uint64_t(left) << 32) | right; }
  static size_t hash(uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return size_t(key);
  }

  std::vector<Entry> slots_{16, Entry{kEmpty, 0, 0}};
  size_t mask_ = 15;
};

}  // namespace gatehouse::tokenizer::models
