// Measures how fast this machine reads memory with a number of threads: the physical limit of
// decoding at batch 1, where every step reads every weight once. Used by `gatehouse bench`.
#pragma once

#include <memory>

#include "engine/ops/weight_store.h"

namespace gatehouse::engine {

class ThreadPool;

// A 1 GiB buffer in huge-page memory (as resident weights are), far larger than the caches, read
// by `threads` threads. Kept so that `gatehouse bench` can measure next to every timed run: on a
// shared machine the bandwidth drifts by tens of percent within a minute.
class ReadBandwidthProbe {
 public:
  explicit ReadBandwidthProbe(int threads);
  ~ReadBandwidthProbe();

  // Bytes per second: the best of four quarters of the buffer, each read with a different number
  // of streams per thread (1, 2, 4, 8), as which pattern the memory serves fastest varies from
  // machine to machine and, on a shared one, from minute to minute. One pass (15 to 40 ms here).
  double measure();

 private:
  std::unique_ptr<ThreadPool> pool_;
  HugePageBuffer buffer_;
};

}  // namespace gatehouse::engine
