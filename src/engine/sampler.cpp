#include "engine/sampler.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>

#include "base/error.h"

namespace gatehouse::engine {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
// vLLM raises temperatures in (0, 0.01) to 0.01 (SamplingParams._MAX_TEMP) to keep logits finite.
constexpr float kMinTemperature = 0.01f;
// top_k up to this is found with a heap in one pass; larger ones with nth_element.
constexpr size_t kHeapTopK = 256;
// Up to this many tokens are handled as a list (collected, sorted for top_p); more go through
// the whole-vocabulary path.
constexpr size_t kCandidateLimit = 4096;
// There, top_p first tries the tokens whose weight is at least 2^-10 of the most likely token's;
// when they are few and carry top_p's mass, only they are sorted.
constexpr float kFirstTryWeight = 1.0f / 1024;
// Otherwise tokens go to buckets by weight, 16 per power of two (all floats in [0, 1] fit), and
// only the bucket where the cumulative mass crosses top_p is sorted.
constexpr int kBucketShift = 19;
constexpr uint32_t kOneBits = 0x3F800000;  // std::bit_cast<uint32_t>(1.0f)
constexpr size_t kBuckets = (kOneBits >> kBucketShift) + 1;

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// Four floats at a time with GCC/Clang vector extensions: plain C++ that compiles to SSE2 on
// baseline x86-64 (and NEON elsewhere). Plain loops would stay scalar here, as -ftrapping-math
// keeps GCC from if-converting them.
constexpr size_t kLanes = 4;
using Floats = float __attribute__((vector_size(kLanes * sizeof(float))));
using Ints = int32_t __attribute__((vector_size(kLanes * sizeof(int32_t))));
using Doubles = double __attribute__((vector_size(2 * sizeof(double))));

Floats splat(float x) { return Floats{} + x; }

// Lanes [0, count) from x, the rest `fill`.
Floats load(const float* x, size_t count = kLanes, float fill = kNegInf) {
  Floats v;
  if (count == kLanes) {
    std::memcpy(&v, x, sizeof v);
  } else {
    v = splat(fill);
    for (size_t j = 0; j < count; ++j) v[j] = x[j];
  }
  return v;
}

void store(float* out, Floats v, size_t count = kLanes) {
  if (count == kLanes) {
    std::memcpy(out, &v, sizeof v);
  } else {
    for (size_t j = 0; j < count; ++j) out[j] = v[j];
  }
}

bool any(Ints mask) {
  const auto halves = std::bit_cast<std::array<uint64_t, 2>>(mask);
  return (halves[0] | halves[1]) != 0;
}

// Scans skip blocks of 16 values in which nothing can pass.
constexpr size_t kBlock = 4 * kLanes;

// Whether x[0, count) (count <= kBlock) holds a value above `threshold`, or equal to it when
// `or_equal`.
bool block_has(const float* x, size_t count, float threshold, bool or_equal) {
  const Floats limit = splat(threshold);
  Ints found = {};
  for (size_t j = 0; j < count; j += kLanes) {
    const Floats v = load(x + j, std::min(kLanes, count - j));
    found |= or_equal ? (v >= limit) : (v > limit);
  }
  return any(found);
}

// A double sum of floats in a fixed order: two pairs of lanes, kept in registers.
struct DoubleSum {
  Doubles low = {};
  Doubles high = {};
  void add(Floats v) {
    low += Doubles{v[0], v[1]};
    high += Doubles{v[2], v[3]};
  }
  double total() const { return (low[0] + low[1]) + (high[0] + high[1]); }
};

// exp(x) for x <= 0 within about 2 ulp (Cephes' expf polynomial), exactly 1 at 0 and exactly 0
// at or below -87, for -inf and for NaN.
Floats exp_nonpositive(Floats x) {
  const Floats low = splat(-87.0f);
  const Ints valid = x > low;
  const Floats xc = valid ? x : low;
  Floats fn = xc * 1.44269504088896341f;
  fn = (fn + 12582912.0f) - 12582912.0f;  // round to nearest integer
  const Ints n = __builtin_convertvector(fn, Ints);
  Floats r = xc - fn * 0.693359375f;
  r = r - fn * -2.12194440e-4f;
  Floats p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const Floats y = p * (r * r) + r + 1.0f;
  const Floats scale = std::bit_cast<Floats>((n + 127) << 23);
  return valid ? y * scale : Floats{};
}

// Largest value, ignoring NaN; -inf when there is none.
float max_of(std::span<const float> x) {
  Floats acc = splat(kNegInf);
  for (size_t i = 0; i < x.size(); i += kLanes) {
    Floats v = load(&x[i], std::min(kLanes, x.size() - i));
    acc = v > acc ? v : acc;
  }
  float m = kNegInf;
  for (size_t j = 0; j < kLanes; ++j) m = acc[j] > m ? acc[j] : m;
  return m;
}

// Sum in double, in a fixed order.
double sum_of(std::span<const float> x) {
  DoubleSum sum;
  for (size_t i = 0; i < x.size(); i += kLanes) {
    sum.add(load(&x[i], std::min(kLanes, x.size() - i), 0.0f));
  }
  return sum.total();
}

// First index of the largest value (vLLM's argmax; ties go to the lowest token id).
int32_t argmax(std::span<const float> x) {
  const float m = max_of(x);
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == m) return static_cast<int32_t>(i);
  }
  return 0;  // all NaN
}

// A draw against the cumulative weights in token order: the first token whose running sum
// exceeds `target`, skipping blocks of 16 while it cannot. Falls back to the last token with
// weight (rounding), or -1 when no token has any.
int32_t walk(std::span<const float> weights, double target) {
  const size_t size = weights.size();
  double cumulative = 0;
  for (size_t i = 0; i < size; i += kBlock) {
    const size_t end = std::min(size, i + kBlock);
    DoubleSum sum;
    for (size_t j = i; j < end; j += kLanes) {
      sum.add(load(&weights[j], std::min(kLanes, end - j), 0));
    }
    const double block = sum.total();
    if (cumulative + block <= target) {
      cumulative += block;
      continue;
    }
    for (size_t j = i; j < end; ++j) {
      cumulative += weights[j];
      if (weights[j] > 0 && cumulative > target) return static_cast<int32_t>(j);
    }
  }
  for (size_t i = size; i-- > 0;) {
    if (weights[i] > 0) return static_cast<int32_t>(i);
  }
  return -1;
}

}  // namespace

// Most likely first: by logit, then by lower token id.
bool Sampler::by_logit(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.token < b.token);
}

Sampler::Sampler(const SamplingParams& params, std::vector<int32_t> eos_token_ids,
                 uint64_t stream)
    : params_(params) {
  if (!params_.greedy()) {
    temperature_ = std::max(static_cast<float>(params_.temperature), kMinTemperature);
  }
  stop_ids_ = std::move(eos_token_ids);
  stop_ids_.insert(stop_ids_.end(), params_.stop_token_ids.begin(), params_.stop_token_ids.end());
  std::sort(stop_ids_.begin(), stop_ids_.end());
  stop_ids_.erase(std::unique(stop_ids_.begin(), stop_ids_.end()), stop_ids_.end());

  // logit_bias is a JSON object in the API, so a repeated token keeps its last value.
  bias_ = params_.logit_bias;
  std::stable_sort(bias_.begin(), bias_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t kept = 0;
  for (size_t i = 0; i < bias_.size(); ++i) {
    if (i + 1 < bias_.size() && bias_[i + 1].first == bias_[i].first) continue;
    bias_[kept++] = bias_[i];
  }
  bias_.resize(kept);

  penalized_ = params_.repetition_penalty != 1.0 || params_.frequency_penalty != 0.0 ||
               params_.presence_penalty != 0.0;
  if (params_.constraint) constraint_ = params_.constraint->start();

  uint64_t seed;
  if (params_.seed) {
    seed = *params_.seed;
  } else {
    std::random_device device;
    seed = (static_cast<uint64_t>(device()) << 32) ^ device();
  }
  uint64_t stream_state = stream ^ 0x6A09E667F3BCC909ull;
  uint64_t seed_state = seed ^ splitmix64(stream_state);
  for (uint64_t& word : rng_) word = splitmix64(seed_state);
}

SampledToken Sampler::sample(std::span<float> logits, std::span<const int32_t> prompt,
                             std::span<const int32_t> output) {
  GH_CHECK(!logits.empty());
  const size_t vocab = logits.size();
  if (params_.logprobs) raw_.assign(logits.begin(), logits.end());

  bool min_tokens_pending = static_cast<int64_t>(output.size()) < params_.min_tokens;
  if (constraint_) {
    bool only_stops = false;
    if (!apply_constraint(logits, only_stops)) return {.token = kNoToken};
    // Where the constraint allows nothing but the end, it wins over min_tokens.
    min_tokens_pending = min_tokens_pending && !only_stops;
  }
  for (const auto& [token, bias] : bias_) {
    if (token >= 0 && static_cast<size_t>(token) < vocab) logits[token] += bias;
  }
  if (min_tokens_pending) {
    for (int32_t token : stop_ids_) {
      if (token >= 0 && static_cast<size_t>(token) < vocab) logits[token] = kNegInf;
    }
  }
  if (penalized_) apply_penalties(logits, prompt, output);

  SampledToken out;
  out.token = params_.greedy() ? argmax(logits) : sample_random(logits);
  if (params_.logprobs) fill_logprobs(raw_, out, *params_.logprobs);
  if (constraint_) constraint_->accept(out.token);
  return out;
}

bool Sampler::apply_constraint(std::span<float> logits, bool& only_stops) {
  const size_t vocab = logits.size();
  allowed_.assign((vocab + 31) / 32, 0);
  constraint_->allowed_tokens(allowed_);
  size_t count = 0;
  for (size_t w = 0; w < allowed_.size(); ++w) {
    const size_t base = w * 32;
    const size_t width = std::min<size_t>(32, vocab - base);
    uint32_t bits = allowed_[w];
    if (width < 32) bits &= (uint32_t{1} << width) - 1;
    count += static_cast<size_t>(std::popcount(bits));
    if (bits == ~uint32_t{0}) continue;
    if (bits == 0) {
      std::fill_n(logits.begin() + static_cast<std::ptrdiff_t>(base), width, kNegInf);
      continue;
    }
    for (size_t b = 0; b < width; ++b) {
      if (!((bits >> b) & 1)) logits[base + b] = kNegInf;
    }
  }
  if (count == 0) return false;
  size_t allowed_stops = 0;
  for (int32_t token : stop_ids_) {
    if (token >= 0 && static_cast<size_t>(token) < vocab && ((allowed_[token >> 5] >> (token & 31)) & 1)) ++allowed_stops;
  }
  only_stops = allowed_stops == count;
  return true;
}

SampledToken Sampler::score(std::span<const float> logits, int32_t token, int64_t top) {
  SampledToken out;
  out.token = token;
  fill_logprobs(logits, out, top);
  return out;
}

void Sampler::count_tokens(size_t vocab, std::span<const int32_t> prompt,
                           std::span<const int32_t> output) {
  if (output_counts_.size() != vocab) {
    output_counts_.assign(vocab, 0);
    in_prompt_.assign(vocab, 0);
    output_distinct_.clear();
    prompt_distinct_.clear();
    counted_output_ = 0;
    prompt_counted_ = false;
  }
  if (!prompt_counted_ || prompt.size() != counted_prompt_) {
    for (int32_t token : prompt_distinct_) in_prompt_[token] = 0;
    prompt_distinct_.clear();
    for (int32_t token : prompt) {
      if (token < 0 || static_cast<size_t>(token) >= vocab || in_prompt_[token]) continue;
      in_prompt_[token] = 1;
      prompt_distinct_.push_back(token);
    }
    counted_prompt_ = prompt.size();
    prompt_counted_ = true;
  }
  if (output.size() < counted_output_) {
    for (int32_t token : output_distinct_) output_counts_[token] = 0;
    output_distinct_.clear();
    counted_output_ = 0;
  }
  for (size_t i = counted_output_; i < output.size(); ++i) {
    int32_t token = output[i];
    if (token < 0 || static_cast<size_t>(token) >= vocab) continue;
    if (output_counts_[token]++ == 0) output_distinct_.push_back(token);
  }
  counted_output_ = output.size();
}

// vLLM's apply_penalties: repetition for tokens in the prompt or the output (divide a positive
// logit, multiply a negative one), then frequency (times the count) and presence (once) for
// tokens in the output, all in f32.
void Sampler::apply_penalties(std::span<float> logits, std::span<const int32_t> prompt,
                              std::span<const int32_t> output) {
  count_tokens(logits.size(), prompt, output);
  const float repetition = static_cast<float>(params_.repetition_penalty);
  const float frequency = static_cast<float>(params_.frequency_penalty);
  const float presence = static_cast<float>(params_.presence_penalty);
  if (repetition != 1.0f) {
    auto penalize = [&](int32_t token) {
      float& logit = logits[token];
      logit = logit > 0 ? logit / repetition : logit * repetition;
    };
    for (int32_t token : prompt_distinct_) penalize(token);
    for (int32_t token : output_distinct_) {
      if (!in_prompt_[token]) penalize(token);
    }
  }
  if (frequency != 0.0f || presence != 0.0f) {
    for (int32_t token : output_distinct_) {
      logits[token] -= frequency * static_cast<float>(output_counts_[token]);
      logits[token] -= presence;
    }
  }
}

// Temperature, then min_p, top_k and top_p (vLLM V1's order), then one draw.
int32_t Sampler::sample_random(std::span<const float> logits) {
  const float max_raw = max_of(logits);
  if (!(max_raw > kNegInf)) return argmax(logits);  // nothing finite to draw from
  const float temperature = temperature_;
  const float max_logit = max_raw / temperature;  // division is monotone: the max of logits / T
  // min_p keeps prob >= min_p * max_prob, that is logit / T - max_logit >= log(min_p).
  const float log_min_p =
      params_.min_p > 0 ? static_cast<float>(std::log(static_cast<float>(params_.min_p))) : kNegInf;
  const size_t vocab = logits.size();
  const size_t top_k =
      params_.top_k > 0 && static_cast<size_t>(params_.top_k) < vocab ? params_.top_k : 0;

  // top_k as a threshold on logit / T (vLLM keeps the ties of the k-th value).
  float kth = kNegInf;
  if (top_k > 0 && top_k <= kHeapTopK) {
    kth = kth_largest(logits, top_k) / temperature;
  } else if (top_k > 0) {
    weights_.resize(vocab);
    for (size_t i = 0; i < vocab; ++i) {
      const float logit = logits[i] / temperature;
      weights_[i] = logit == logit ? logit : kNegInf;
    }
    auto nth = weights_.begin() + (top_k - 1);
    std::nth_element(weights_.begin(), nth, weights_.end(), std::greater<float>());
    kth = *nth;
  }

  // When top_k or min_p leave few tokens, only those get weights. The prefilter on raw logits is
  // a little loose (rounding of the division and the sum); the exact tests follow it.
  const double floor = std::max<double>(kth, static_cast<double>(max_logit) + log_min_p);
  double prefilter = (floor - 1e-4 * (1 + std::fabs(max_logit) + std::fabs(floor))) * temperature;
  prefilter -= 1e-4 * std::fabs(prefilter);
  if (prefilter > kNegInf &&
      collect_candidates(logits, static_cast<float>(prefilter), kth, max_logit, log_min_p)) {
    if (static_cast<float>(params_.top_p) < 1.0f) {
      double total = 0;
      for (const Candidate& c : candidates_) total += c.weight;
      std::sort(candidates_.begin(), candidates_.end(), by_logit);
      return sample_sorted_prefix(candidates_, total);
    }
    return draw_from(candidates_);
  }
  return sample_dense(logits, max_logit, log_min_p, kth);
}

// The k-th largest logit, with a heap over one pass that skips blocks of 16 which cannot
// enter it.
float Sampler::kth_largest(std::span<const float> logits, size_t k) {
  const size_t vocab = logits.size();
  auto greater = std::greater<float>();
  heap_.clear();
  size_t i = 0;
  for (; i < vocab && heap_.size() < k; ++i) {
    if (logits[i] == logits[i]) {
      heap_.push_back(logits[i]);
      std::push_heap(heap_.begin(), heap_.end(), greater);
    }
  }
  for (; i < vocab; i += kBlock) {
    const size_t count = std::min(kBlock, vocab - i);
    if (!block_has(&logits[i], count, heap_.front(), false)) continue;
    for (size_t j = i; j < i + count; ++j) {
      if (logits[j] > heap_.front()) {
        std::pop_heap(heap_.begin(), heap_.end(), greater);
        heap_.back() = logits[j];
        std::push_heap(heap_.begin(), heap_.end(), greater);
      }
    }
  }
  return heap_.size() == k ? heap_.front() : kNegInf;
}

// The tokens that pass top_k (logit / T >= kth) and min_p, in token order, unless there are more
// than kCandidateLimit of them (then false).
bool Sampler::collect_candidates(std::span<const float> logits, float prefilter, float kth,
                                 float max_logit, float log_min_p) {
  const size_t vocab = logits.size();
  const float temperature = temperature_;
  candidates_.clear();
  for (size_t i = 0; i < vocab; i += kBlock) {
    const size_t count = std::min(kBlock, vocab - i);
    if (!block_has(&logits[i], count, prefilter, true)) continue;
    for (size_t j = i; j < i + count; ++j) {
      const float logit = logits[j] / temperature;
      const float shifted = logit - max_logit;
      if (logit >= kth && shifted >= log_min_p) {
        if (candidates_.size() == kCandidateLimit) return false;
        candidates_.push_back({logit, static_cast<int32_t>(j), exp_nonpositive(splat(shifted))[0]});
      }
    }
  }
  return true;
}

// Everything else: weights for the whole vocabulary, then top_p by a first try on the likely
// tokens or by buckets, so that at most a few thousand tokens are ever sorted.
int32_t Sampler::sample_dense(std::span<const float> logits, float max_logit, float log_min_p,
                              float kth) {
  const size_t vocab = logits.size();
  const float temperature = temperature_;
  weights_.resize(vocab);
  DoubleSum sum;
  auto fill = [&](auto scale) {
    for (size_t i = 0; i < vocab; i += kLanes) {
      const size_t count = std::min(kLanes, vocab - i);
      const Floats logit = scale(load(&logits[i], count));
      const Floats shifted = logit - max_logit;
      const Ints kept = (logit >= kth) & (shifted >= log_min_p);
      const Floats weight = kept ? exp_nonpositive(shifted) : Floats{};
      store(&weights_[i], weight, count);
      sum.add(weight);
    }
  };
  if (temperature == 1.0f) {  // the API's default; x / 1 is x
    fill([](Floats x) { return x; });
  } else {
    fill([temperature](Floats x) { return x / temperature; });
  }
  const double total = sum.total();
  const float top_p = static_cast<float>(params_.top_p);
  if (top_p < 1.0f) {
    const double limit = top_p * total;
    candidates_.clear();
    double mass = 0;
    for (size_t i = 0; i < vocab && candidates_.size() <= kCandidateLimit; i += kBlock) {
      const size_t count = std::min(kBlock, vocab - i);
      if (!block_has(&weights_[i], count, kFirstTryWeight, true)) continue;
      for (size_t j = i; j < i + count; ++j) {
        if (weights_[j] >= kFirstTryWeight) {
          candidates_.push_back({logits[j] / temperature, static_cast<int32_t>(j), weights_[j]});
          mass += weights_[j];
        }
      }
    }
    if (candidates_.size() <= kCandidateLimit && mass >= limit) {
      std::sort(candidates_.begin(), candidates_.end(), by_logit);
      return sample_sorted_prefix(candidates_, total);
    }

    // Buckets: a float's bits grow with its value, so (bits(1) - bits(w)) >> shift orders the
    // weights from the largest down, 16 buckets per power of two, and bucket b holds the
    // weights in (upper(b + 1), upper(b)].
    auto upper = [](size_t bucket) {
      return std::bit_cast<float>(kOneBits - static_cast<uint32_t>(bucket << kBucketShift));
    };
    bucket_mass_.assign(kBuckets, 0.0);
    for (size_t i = 0; i < vocab; ++i) {
      // Weights are in [0, 1]; the clamp only guards the buffer.
      const int64_t bits = std::bit_cast<uint32_t>(weights_[i]);
      bucket_mass_[static_cast<size_t>(std::clamp<int64_t>(kOneBits - bits, 0, kOneBits)) >>
                   kBucketShift] += weights_[i];
    }
    double above = 0;
    size_t crossing = 0;
    while (crossing < kBuckets && above + bucket_mass_[crossing] < limit) {
      above += bucket_mass_[crossing++];
    }
    if (crossing < kBuckets) {
      const float high = upper(crossing);
      const float low = crossing + 1 < kBuckets ? upper(crossing + 1) : -1.0f;
      candidates_.clear();
      for (size_t i = 0; i < vocab; i += kLanes) {
        const size_t count = std::min(kLanes, vocab - i);
        const Floats weight = load(&weights_[i], count, 0.0f);
        if (!any((weight > low) & (weight <= high))) continue;
        for (size_t j = i; j < i + count; ++j) {
          if (weights_[j] > low && weights_[j] <= high && weights_[j] > 0) {
            candidates_.push_back({logits[j] / temperature, static_cast<int32_t>(j), weights_[j]});
          }
        }
      }
      std::sort(candidates_.begin(), candidates_.end(), by_logit);
      // Keep the crossing bucket's prefix whose mass before it stays under the limit, and no
      // lighter bucket.
      double cumulative = above;
      size_t kept = 0;
      while (kept < candidates_.size() && cumulative < limit) {
        cumulative += candidates_[kept++].weight;
      }
      for (size_t j = kept; j < candidates_.size(); ++j) weights_[candidates_[j].token] = 0;
      for (size_t i = 0; i < vocab; i += kLanes) {
        const size_t count = std::min(kLanes, vocab - i);
        const Floats weight = load(&weights_[i], count, 0.0f);
        store(&weights_[i], weight > low ? weight : Floats{}, count);
      }
    }
  }

  // One draw, walking the kept tokens in token id order.
  const double kept_total = top_p < 1.0f ? sum_of(weights_) : total;
  const double target = next_uniform() * kept_total;
  const int32_t token = walk(weights_, target);
  return token >= 0 ? token : argmax(logits);
}

// `candidates` is sorted most likely first and holds all of top_p's mass: vLLM keeps a token
// while the mass before it is below top_p of the total, so always at least the most likely one.
int32_t Sampler::sample_sorted_prefix(std::span<Candidate> candidates, double total_mass) {
  const double limit = static_cast<float>(params_.top_p) * total_mass;
  double cumulative = 0;
  size_t kept = 0;
  while (kept < candidates.size() && (kept == 0 || cumulative < limit)) {
    cumulative += candidates[kept++].weight;
  }
  std::span<Candidate> chosen = candidates.first(kept);
  std::sort(chosen.begin(), chosen.end(),
            [](const Candidate& a, const Candidate& b) { return a.token < b.token; });
  return draw_from(chosen);
}

// One uniform draw against the cumulative weights, in token id order.
int32_t Sampler::draw_from(std::span<const Candidate> kept) {
  double total = 0;
  for (const Candidate& c : kept) total += c.weight;
  const double target = next_uniform() * total;
  double cumulative = 0;
  int32_t last = kept.empty() ? 0 : kept.front().token;
  for (const Candidate& c : kept) {
    if (c.weight > 0) {
      cumulative += c.weight;
      last = c.token;
      if (cumulative > target) return last;
    }
  }
  return last;
}

// xoshiro256** (Blackman and Vigna); a double from the top 53 bits, uniform in [0, 1).
double Sampler::next_uniform() {
  const uint64_t result = rotl(rng_[1] * 5, 7) * 9;
  const uint64_t t = rng_[1] << 17;
  rng_[2] ^= rng_[0];
  rng_[3] ^= rng_[1];
  rng_[1] ^= rng_[2];
  rng_[0] ^= rng_[3];
  rng_[2] ^= t;
  rng_[3] = rotl(rng_[3], 45);
  return static_cast<double>(result >> 11) * 0x1.0p-53;
}

// Raw logprobs as torch's log_softmax: (x - max) - log(sum(exp(x - max))), f32 with a double sum.
void Sampler::fill_logprobs(std::span<const float> raw, SampledToken& out, int64_t top) {
  const size_t vocab = raw.size();
  const float max_raw = max_of(raw);
  DoubleSum sum;
  for (size_t i = 0; i < vocab; i += kLanes) {
    sum.add(exp_nonpositive(load(&raw[i], std::min(kLanes, vocab - i)) - max_raw));
  }
  const float log_sum = static_cast<float>(std::log(sum.total()));
  auto logprob = [&](float x) { return (x - max_raw) - log_sum; };
  auto logprobs = [&](size_t i, size_t count, float fill) {
    return (load(&raw[i], count, fill) - max_raw) - log_sum;
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();

  // vLLM's rank (batched_count_greater_than) counts the logprobs >= the token's, itself included.
  out.logprob = logprob(raw[out.token]);
  Ints ranks = {};
  for (size_t i = 0; i < vocab; i += kLanes) {
    ranks -= logprobs(i, std::min(kLanes, vocab - i), nan) >= out.logprob;  // true is -1
  }
  out.rank = 0;
  for (size_t j = 0; j < kLanes; ++j) out.rank += ranks[j];

  const size_t count = std::min(static_cast<size_t>(top), vocab);
  if (count == 0) return;
  // Min-heap on "better" (higher logprob, then lower id): the front is the worst kept entry.
  auto better = [](const TokenLogprob& a, const TokenLogprob& b) {
    return a.logprob > b.logprob || (a.logprob == b.logprob && a.token < b.token);
  };
  top_heap_.clear();
  size_t i = 0;
  for (; i < vocab && top_heap_.size() < count; ++i) {
    const float value = logprob(raw[i]);
    if (value == value) {
      top_heap_.push_back({static_cast<int32_t>(i), value});
      std::push_heap(top_heap_.begin(), top_heap_.end(), better);
    }
  }
  for (; i < vocab; i += kLanes) {
    const size_t lanes = std::min(kLanes, vocab - i);
    // Ids ascend, so an equal logprob never displaces the front.
    if (!any(logprobs(i, lanes, nan) > top_heap_.front().logprob)) continue;
    for (size_t j = i; j < i + lanes; ++j) {
      const float value = logprob(raw[j]);
      if (value > top_heap_.front().logprob) {
        std::pop_heap(top_heap_.begin(), top_heap_.end(), better);
        top_heap_.back() = {static_cast<int32_t>(j), value};
        std::push_heap(top_heap_.begin(), top_heap_.end(), better);
      }
    }
  }
  std::sort_heap(top_heap_.begin(), top_heap_.end(), better);
  out.top.assign(top_heap_.begin(), top_heap_.end());
}

}  // namespace gatehouse::engine
