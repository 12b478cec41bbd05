// Scalar bf16 and f16 conversions, bit-exact with torch (bf16) and IEEE 754 (f16), rounding to
// nearest even; and the packing of both panel layouts.
#include <bit>
#include <cstdint>
#include <cstring>

#include "engine/kernels/kernels.h"

namespace gatehouse::engine::kernels {

float bf16_to_f32(uint16_t value) { return std::bit_cast<float>(uint32_t{value} << 16); }

// As c10::detail::round_to_nearest_even: every NaN becomes the positive quiet NaN 0x7FC0;
// subnormals round like any other value (no flushing).
uint16_t f32_to_bf16(float value) {
  if (value != value) return 0x7FC0;
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  return static_cast<uint16_t>((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}

float f16_to_f32(uint16_t value) {
  const uint32_t sign = uint32_t{value & 0x8000u} << 16;
  const uint32_t exponent = (value >> 10) & 0x1F;
  const uint32_t mantissa = value & 0x3FF;
  if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000 | (mantissa << 13));
  if (exponent != 0) {
    return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }
  const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;  // zero or subnormal, exact
  return sign ? -magnitude : magnitude;
}

// NaN keeps its sign and top payload bits and becomes quiet, as vcvtps2ph does.
uint16_t f32_to_f16(float value) {
  uint32_t bits = std::bit_cast<uint32_t>(value);
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  bits &= 0x7FFFFFFF;
  if (bits > 0x7F800000) return sign | 0x7E00 | ((bits >> 13) & 0x3FF);
  if (bits >= 0x47800000) return sign | 0x7C00;  // 65536 or more (or inf): infinity
  if (bits < 0x38800000) {
    // Below 2^-14 the result is subnormal or zero: adding 0.5 lines the half's mantissa up with
    // the float's low bits, and the addition rounds to nearest even.
    const float shifted = std::bit_cast<float>(bits) + 0.5f;
    return sign | static_cast<uint16_t>(std::bit_cast<uint32_t>(shifted) - 0x3F000000);
  }
  // Rebias the exponent and round the 13 dropped mantissa bits to nearest even; a carry out of
  // the mantissa rolls into the exponent (up to infinity), as it should.
  const uint32_t odd = (bits >> 13) & 1;
  return sign | static_cast<uint16_t>((bits - 0x38000000 + 0xFFF + odd) >> 13);
}

void pack_bf16_panel(const uint16_t* w, int64_t n, int64_t k, int64_t panel, uint16_t* out) {
  for (int64_t r = 0; r < kPanelRows; ++r) {
    const int64_t row = panel * kPanelRows + r;
    for (int64_t j = 0; j < k / 2; ++j) {
      uint16_t* pair = out + (j * kPanelRows + r) * 2;
      pair[0] = row < n ? w[row * k + 2 * j] : 0;
      pair[1] = row < n ? w[row * k + 2 * j + 1] : 0;
    }
  }
}

void bf16_panel_row_to_f32(const uint16_t* panels, int64_t k, int64_t row, float* out) {
  const uint16_t* pairs = panels + row / kPanelRows * kPanelRows * k + row % kPanelRows * 2;
  for (int64_t j = 0; j < k / 2; ++j) {
    out[2 * j] = bf16_to_f32(pairs[j * 2 * kPanelRows]);
    out[2 * j + 1] = bf16_to_f32(pairs[j * 2 * kPanelRows + 1]);
  }
}

void pack_q8_0_panel(const int8_t* q, const float* scales, int64_t rows, int64_t k, uint8_t* out) {
  constexpr int64_t kStepBytes = 4 * kPanelRows;
  for (int64_t block = 0; block < k / kQ8BlockSize; ++block) {
    uint8_t* values = out + block * kQ8PanelBlockBytes;
    float block_scales[kPanelRows] = {};
    for (int64_t r = 0; r < kPanelRows; ++r) {
      for (int64_t i = 0; i < kQ8BlockSize; ++i) {
        const int value = r < rows ? q[r * k + block * kQ8BlockSize + i] : 0;
        values[i / 4 * kStepBytes + r * 4 + i % 4] = static_cast<uint8_t>(value + 128);
      }
      if (r < rows) block_scales[r] = scales[r * (k / kQ8BlockSize) + block];
    }
    std::memcpy(values + kPanelRows * kQ8BlockSize, block_scales, sizeof(block_scales));
  }
}

}  // namespace gatehouse::engine::kernels
