// Attention's and the MLP's vector work (and the bandwidth probe's read), written once over a set's
// lane operations. Each kernel file instantiates these templates with its own Lanes type (defined
// there, in an anonymous namespace, and compiled with that file's -m flags); scalar code gets
// one-lane Lanes. Lanes provides:
//   V, Mask and kLanes; lanes_below(i, n), the lanes of [i, i + kLanes) below n;
//   load(p, mask) (zeros elsewhere), load_or(p, mask, fill), store(p, mask, v), set1(f);
//   add, sub, mul, div, min, max (the second operand where either is NaN, as vminps/vmaxps),
//   fmadd(a, b, c) = a * b + c fused, round_nearest (to even), pow2(n) = 2^n for an integral n
//   in [-126, 127] built from exponent bits, negate, zero_outside(mask, v);
//   sum(v) and max_of(v) across lanes, and store_sums4(out, a, b, c, d, scale), which writes
//   scale * sum(a), ..., scale * sum(d) to out[0..4) with the same sums as sum().
#pragma once

#include <cstdint>

namespace gatehouse::engine::kernels {

// The exponential, as the same operations in the same order on every set (so every set gets the
// same bits): clamp x to [kExpLow, kExpHigh], where exp is a normal float; n = round(x · log2(e));
// r = x - n · ln2 in two fused steps (Cody and Waite's split of ln2); p = the degree-5 polynomial
// kExpPoly in r by Horner's rule with fused multiply-adds; exp(x) = (p · r² + r + 1) · 2^n. About 1
// ulp from the correctly rounded value (Cephes' expf coefficients). exp(-inf) gives exp(kExpLow),
// about 1.6e-38, instead of 0: harmless where the result is added to 1 or divided by a sum that
// includes exp(0).
inline constexpr float kExpLow = -87.0f;
inline constexpr float kExpHigh = 88.0f;
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2High = 0.693359375f;    // exact in 9 bits, so n · kLn2High is exact
inline constexpr float kLn2Low = -2.12194440e-4f;  // ln2 - kLn2High
inline constexpr float kExpPoly[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                                      4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

template <class L>
[[gnu::always_inline]] inline typename L::V exp_poly(typename L::V x) {
  x = L::min(L::max(x, L::set1(kExpLow)), L::set1(kExpHigh));
  const typename L::V n = L::round_nearest(L::mul(x, L::set1(kLog2e)));
  typename L::V r = L::fmadd(n, L::set1(-kLn2High), x);
  r = L::fmadd(n, L::set1(-kLn2Low), r);
  typename L::V p = L::set1(kExpPoly[0]);
  for (int i = 1; i < 6; ++i) p = L::fmadd(p, r, L::set1(kExpPoly[i]));
  p = L::add(L::fmadd(p, L::mul(r, r), r), L::set1(1.0f));
  return L::mul(p, L::pow2(n));
}

// Attention takes the queries of one key-value head together (grouped-query attention), so each
// cached key or value is loaded once for all of them: G queries at a time, at most kMaxQueries
// (their accumulators must stay in registers: four with 32 registers, two with 16).
template <class L>
inline constexpr int kMaxQueries = L::kLanes >= 16 ? 4 : 2;

// Calls visit.template operator()<G>() for the next G = min(left, kMaxQueries) queries; returns G.
template <class L, class Visit>
int64_t with_queries(int64_t left, Visit&& visit) {
  if constexpr (kMaxQueries<L> >= 4) {
    if (left >= 4) return visit.template operator()<4>(), 4;
    if (left == 3) return visit.template operator()<3>(), 3;
  }
  if (left >= 2) return visit.template operator()<2>(), 2;
  return visit.template operator()<1>(), 1;
}

template <class L, int G>
void dot_rows_of(const float* q, const float* rows, int64_t stride, int64_t count, int64_t n, float scale,
                 float* out, int64_t out_stride) {
  int64_t j = 0;
  for (; j + 4 <= count; j += 4) {
    typename L::V acc[G][4];
    for (int g = 0; g < G; ++g) {
      for (int r = 0; r < 4; ++r) acc[g][r] = L::set1(0.0f);
    }
    for (int64_t i = 0; i < n; i += L::kLanes) {
      const typename L::Mask mask = L::lanes_below(i, n);
      typename L::V keys[4];
      for (int r = 0; r < 4; ++r) keys[r] = L::load(rows + (j + r) * stride + i, mask);
      for (int g = 0; g < G; ++g) {
        const typename L::V qv = L::load(q + g * n + i, mask);
        for (int r = 0; r < 4; ++r) acc[g][r] = L::fmadd(qv, keys[r], acc[g][r]);
      }
    }
    for (int g = 0; g < G; ++g) {
      L::store_sums4(out + g * out_stride + j, acc[g][0], acc[g][1], acc[g][2], acc[g][3], scale);
    }
  }
  for (; j < count; ++j) {
    typename L::V acc[G];
    for (int g = 0; g < G; ++g) acc[g] = L::set1(0.0f);
    for (int64_t i = 0; i < n; i += L::kLanes) {
      const typename L::Mask mask = L::lanes_below(i, n);
      const typename L::V key = L::load(rows + j * stride + i, mask);
      for (int g = 0; g < G; ++g) acc[g] = L::fmadd(L::load(q + g * n + i, mask), key, acc[g]);
    }
    for (int g = 0; g < G; ++g) out[g * out_stride + j] = scale * L::sum(acc[g]);
  }
}

// out[g · out_stride + j] = scale · dot(q + g · n, rows + j · stride) over n values, for
// g < queries and j < count. Four rows at a time share one transposing reduction; a score is the
// same whatever the queries and rows around it.
template <class L>
void dot_rows(const float* q, int64_t queries, const float* rows, int64_t stride, int64_t count, int64_t n,
              float scale, float* out, int64_t out_stride) {
  for (int64_t g = 0; g < queries;) {
    g += with_queries<L>(queries - g, [&]<int G>() {
      dot_rows_of<L, G>(q + g * n, rows, stride, count, n, scale, out + g * out_stride, out_stride);
    });
  }
}

template <class L, int G>
void add_weighted_rows_of(const float* weights, int64_t weights_stride, const float* rows, int64_t stride,
                          int64_t count, int64_t n, float* out) {
  for (int64_t i = 0; i < n; i += 4 * L::kLanes) {
    typename L::Mask masks[4];
    typename L::V acc[G][4];
    for (int v = 0; v < 4; ++v) {
      masks[v] = L::lanes_below(i + v * L::kLanes, n);
      for (int g = 0; g < G; ++g) acc[g][v] = L::load(out + g * n + i + v * L::kLanes, masks[v]);
    }
    for (int64_t j = 0; j < count; ++j) {
      typename L::V values[4];
      for (int v = 0; v < 4; ++v) values[v] = L::load(rows + j * stride + i + v * L::kLanes, masks[v]);
      for (int g = 0; g < G; ++g) {
        const typename L::V weight = L::set1(weights[g * weights_stride + j]);
        for (int v = 0; v < 4; ++v) acc[g][v] = L::fmadd(weight, values[v], acc[g][v]);
      }
    }
    for (int g = 0; g < G; ++g) {
      for (int v = 0; v < 4; ++v) L::store(out + g * n + i + v * L::kLanes, masks[v], acc[g][v]);
    }
  }
}

// out[g · n + i] += sum over j < count of weights[g · weights_stride + j] · rows[j · stride + i],
// for g < queries and i < n; four vectors of each query's outputs stay in registers while the
// rows stream past.
template <class L>
void add_weighted_rows(const float* weights, int64_t queries, int64_t weights_stride, const float* rows,
                       int64_t stride, int64_t count, int64_t n, float* out) {
  for (int64_t g = 0; g < queries;) {
    g += with_queries<L>(queries - g, [&]<int G>() {
      add_weighted_rows_of<L, G>(weights + g * weights_stride, weights_stride, rows, stride, count, n, out + g * n);
    });
  }
}

// x = softmax(x) over n > 0 values: exp(x - max), times 1 / their sum.
template <class L>
void softmax(float* x, int64_t n) {
  typename L::V max = L::set1(-__builtin_inff());
  for (int64_t i = 0; i < n; i += L::kLanes) {
    max = L::max(max, L::load_or(x + i, L::lanes_below(i, n), -__builtin_inff()));
  }
  const typename L::V shift = L::set1(L::max_of(max));
  typename L::V sum = L::set1(0.0f);
  for (int64_t i = 0; i < n; i += L::kLanes) {
    const typename L::Mask mask = L::lanes_below(i, n);
    const typename L::V e = L::zero_outside(mask, exp_poly<L>(L::sub(L::load(x + i, mask), shift)));
    L::store(x + i, mask, e);
    sum = L::add(sum, e);
  }
  const typename L::V inverse = L::set1(1.0f / L::sum(sum));
  for (int64_t i = 0; i < n; i += L::kLanes) {
    const typename L::Mask mask = L::lanes_below(i, n);
    L::store(x + i, mask, L::mul(L::load(x + i, mask), inverse));
  }
}

// gate = silu(gate) · up = gate / (1 + exp(-gate)) · up.
template <class L>
void silu_mul(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; i += L::kLanes) {
    const typename L::Mask mask = L::lanes_below(i, n);
    const typename L::V g = L::load(gate + i, mask);
    const typename L::V silu = L::div(g, L::add(L::set1(1.0f), exp_poly<L>(L::negate(g))));
    L::store(gate + i, mask, L::mul(silu, L::load(up + i, mask)));
  }
}

// The sum of x[0, n) read as kStreams equal parts side by side, each into its own running sums.
template <class L, int kStreams>
float sum_streams_of(const float* x, int64_t n) {
  const int64_t part = n / kStreams / L::kLanes * L::kLanes;
  const typename L::Mask all = L::lanes_below(0, L::kLanes);
  typename L::V sums[kStreams];
  for (int s = 0; s < kStreams; ++s) sums[s] = L::set1(0.0f);
  for (int64_t i = 0; i < part; i += L::kLanes) {
    for (int s = 0; s < kStreams; ++s) sums[s] = L::add(sums[s], L::load(x + s * part + i, all));
  }
  float total = 0.0f;
  for (int s = 0; s < kStreams; ++s) total += L::sum(sums[s]);
  return total;
}

template <class L>
float sum_streams(const float* x, int64_t n, int streams) {
  switch (streams) {
    case 1: return sum_streams_of<L, 1>(x, n);
    case 2: return sum_streams_of<L, 2>(x, n);
    case 4: return sum_streams_of<L, 4>(x, n);
    default: return sum_streams_of<L, 8>(x, n);
  }
}

}  // namespace gatehouse::engine::kernels
