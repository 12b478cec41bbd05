// Instruction-set detection, the GATEHOUSE_ISA cap and the once-chosen kernel table.
#include <cpuid.h>

#include <cstdlib>
#include <string_view>

#include "engine/kernels/isa_tables.h"
#include "engine/kernels/kernels.h"

namespace gatehouse::engine::kernels {
namespace {

Isa best_supported() {
  if (cpu_supports(Isa::avx512)) return Isa::avx512;
  if (cpu_supports(Isa::avx2)) return Isa::avx2;
  return Isa::scalar;
}

// CPUID leaf 1, ECX bit 29 (clang's __builtin_cpu_supports has no "f16c").
bool has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}

}  // namespace

bool cpu_supports(Isa isa) {
  __builtin_cpu_init();
  switch (isa) {
    case Isa::scalar:
      return true;
    case Isa::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c();
    case Isa::avx512:
      return cpu_supports(Isa::avx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512vnni");
  }
  return false;
}

// GATEHOUSE_ISA caps the choice at the named set; an unknown value is ignored.
Isa detect_isa() {
  const Isa best = best_supported();
  const char* cap = std::getenv("GATEHOUSE_ISA");
  if (cap == nullptr) return best;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (isa_name(isa) == cap) return isa < best ? isa : best;
  }
  return best;
}

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar:
      return "scalar";
    case Isa::avx2:
      return "avx2";
    case Isa::avx512:
      return "avx512";
  }
  return "unknown";
}

const KernelTable& kernels_for(Isa isa) {
  switch (isa) {
    case Isa::avx512:
      return avx512_kernels();
    case Isa::avx2:
      return avx2_kernels();
    case Isa::scalar:
      break;
  }
  return scalar_kernels();
}

const KernelTable& kernels() {
  static const KernelTable& table = kernels_for(detect_isa());
  return table;
}

}  // namespace gatehouse::engine::kernels
