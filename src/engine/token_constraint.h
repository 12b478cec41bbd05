// A rule on which tokens a sequence may produce (structured output: a JSON schema, a regex, a
// grammar). The sequence's Sampler applies it before anything else, so tokens it does not allow
// can never be drawn, and tells it each token drawn. The engine knows nothing of grammars: the
// server implements these. A TokenConstraint belongs to one sequence and runs on the engine
// thread; its factory is shared by a request's sequences (and may be by many requests).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

namespace gatehouse::engine {

class TokenConstraint {
 public:
  virtual ~TokenConstraint() = default;
  // Sets in `allowed` (one bit per logit, ceil(vocab / 32) words, overwritten) the tokens that may
  // come next, end-of-sequence tokens included when the output may end here. No bit set: the
  // output cannot go on, and the sequence ends (FinishReason::constraint).
  virtual void allowed_tokens(std::span<uint32_t> allowed) = 0;
  // The token drawn (always one allowed_tokens() allowed).
  virtual void accept(int32_t token) = 0;
};

class TokenConstraintFactory {
 public:
  virtual ~TokenConstraintFactory() = default;
  virtual std::unique_ptr<TokenConstraint> start() const = 0;
};

}  // namespace gatehouse::engine
