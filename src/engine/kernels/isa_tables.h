// The kernel table of each instruction set, each defined in its own translation unit (compiled
// with that set's -m flags); cpu_isa.cpp picks among them. Private to the kernels.
#pragma once

#include "engine/kernels/kernels.h"

namespace gatehouse::engine::kernels {

const KernelTable& scalar_kernels();
const KernelTable& avx2_kernels();
const KernelTable& avx512_kernels();

}  // namespace gatehouse::engine::kernels
