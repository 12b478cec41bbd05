// The Sampler with an output constraint: only allowed tokens are ever drawn, whatever the
// sampling parameters; each drawn token reaches the constraint; no allowed token means no draw;
// a constraint that allows only the end overrides min_tokens.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

#include "engine/sampler.h"

namespace gatehouse::engine {
namespace {

constexpr int64_t kVocab = 1000;
constexpr int32_t kEos = 999;

// Allows the tokens of a fixed set, shrinking it as tokens are drawn (each token once).
class OnceEach : public TokenConstraint {
 public:
  explicit OnceEach(std::set<int32_t> allowed, std::vector<int32_t>* drawn) : allowed_(std::move(allowed)), drawn_(drawn) {}
  void allowed_tokens(std::span<uint32_t> mask) override {
    std::fill(mask.begin(), mask.end(), 0);
    for (int32_t token : allowed_) mask[static_cast<size_t>(token) >> 5] |= uint32_t{1} << (token & 31);
  }
  void accept(int32_t token) override {
    drawn_->push_back(token);
    allowed_.erase(token);
  }

 private:
  std::set<int32_t> allowed_;
  std::vector<int32_t>* drawn_;
};

class OnceEachFactory : public TokenConstraintFactory {
 public:
  OnceEachFactory(std::set<int32_t> allowed, std::vector<int32_t>* drawn) : allowed_(std::move(allowed)), drawn_(drawn) {}
  std::unique_ptr<TokenConstraint> start() const override { return std::make_unique<OnceEach>(allowed_, drawn_); }

 private:
  std::set<int32_t> allowed_;
  std::vector<int32_t>* drawn_;
};

std::vector<float> random_logits(std::mt19937& random) {
  std::normal_distribution<float> normal(0, 3);
  std::vector<float> logits(kVocab);
  for (float& x : logits) x = normal(random);
  return logits;
}

TEST(SamplerConstraint, DrawsOnlyAllowedTokensUntilNoneIsLeft) {
  const std::set<int32_t> allowed{3, 77, 500, 998};
  for (double temperature : {0.0, 0.7, 1.5}) {
    std::vector<int32_t> drawn;
    SamplingParams params;
    params.temperature = temperature;
    params.top_p = 0.9;
    params.top_k = 50;
    params.repetition_penalty = 1.3;
    params.logit_bias = {{10, 100.0f}};  // a huge bias on a forbidden token changes nothing
    params.constraint = std::make_shared<OnceEachFactory>(allowed, &drawn);
    Sampler sampler(params, {kEos}, 0);
    std::mt19937 random(1);
    std::vector<int32_t> output;
    for (size_t i = 0; i < allowed.size(); ++i) {
      std::vector<float> logits = random_logits(random);
      SampledToken token = sampler.sample(logits, {}, output);
      ASSERT_TRUE(allowed.count(token.token)) << token.token;
      output.push_back(token.token);
    }
    EXPECT_EQ(drawn, output);
    EXPECT_EQ(std::set<int32_t>(drawn.begin(), drawn.end()), allowed);
    std::vector<float> logits = random_logits(random);
    EXPECT_EQ(sampler.sample(logits, {}, output).token, Sampler::kNoToken);
  }
}

TEST(SamplerConstraint, AnEndOnlyMaskOverridesMinTokens) {
  std::vector<int32_t> drawn;
  SamplingParams params;
  params.min_tokens = 5;
  params.constraint = std::make_shared<OnceEachFactory>(std::set<int32_t>{kEos}, &drawn);
  Sampler sampler(params, {kEos}, 0);
  std::mt19937 random(2);
  std::vector<float> logits = random_logits(random);
  EXPECT_EQ(sampler.sample(logits, {}, {}).token, kEos);
}

}  // namespace
}  // namespace gatehouse::engine
