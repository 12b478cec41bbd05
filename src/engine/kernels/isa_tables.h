// The kernel table of each instruction set, each defined in its own translation unit (compiled
// with that set's -m flags); cpu_isa.cpp picks among them. Private to the kernels.
#pragma once

#include <cstdint>

#include "engine/kernels/kernels.h"

namespace gatehouse::engine::kernels {

const KernelTable& scalar_kernels();
const KernelTable& avx2_kernels();
const KernelTable& avx512_kernels();

// The one q4_0 quantizer every table uses (kernels_scalar.cpp, baseline code).
void quantize_q4_0(const float* x, int64_t n, uint8_t* q, float* scales);

}  // namespace gatehouse::engine::kernels
