// Measures how fast this machine reads memory with a number of threads: the physical limit of
// decoding at batch 1, where every step reads every weight once. Used by `gatehouse bench`.
#pragma once

namespace gatehouse::engine {

// Bytes per second, the best of several passes over a buffer much larger than the caches.
double measure_read_bandwidth(int threads);

}  // namespace gatehouse::engine
