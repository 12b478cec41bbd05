// The exponential every instruction set computes for softmax and SiLU, as the same operations in
// the same order (so every set gets the same bits): clamp x to [kExpLow, kExpHigh], where exp is
// a normal float; n = round-to-nearest-even(x * log2(e)); r = x - n * ln2 in two fused steps
// (Cody and Waite's split of ln2); p = the degree-5 polynomial kExpPoly in r by Horner's rule
// with fused multiply-adds; exp(x) = (p * r^2 + r + 1) * 2^n, the power of two built from its
// exponent bits. About 1 ulp from the correctly rounded value over the whole range (Cephes' expf
// coefficients); exp(-inf) gives exp(kExpLow), about 1.6e-38, instead of 0, harmless where the
// result is added to 1 or divided by a sum that includes exp(0).
#pragma once

namespace gatehouse::engine::kernels {

inline constexpr float kExpLow = -87.0f;
inline constexpr float kExpHigh = 88.0f;
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2High = 0.693359375f;    // exact in 9 bits, so n * kLn2High is exact
inline constexpr float kLn2Low = -2.12194440e-4f;  // ln2 - kLn2High
inline constexpr float kExpPoly[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                                      4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

}  // namespace gatehouse::engine::kernels
