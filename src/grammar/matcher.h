// The grammar state of one generated sequence: which tokens may come next (a bitmask over the
// logits) and the state after each sampled token. The output ends once the grammar is complete
// and an end token is accepted. Belongs to one sequence; not thread-safe (the CompiledGrammar
// it shares is).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "grammar/compiled_grammar.h"

namespace gatehouse::grammar {

class GrammarMatcher {
 public:
  explicit GrammarMatcher(std::shared_ptr<CompiledGrammar> grammar);

  // One bit per logit: ceil(logits_size / 32) words, overwritten.
  void fill_mask(std::span<uint32_t> mask);
  // Moves past `token`; false (and no change) when the grammar does not allow it here.
  bool accept(int32_t token);
  // Moves past raw bytes (tests, and text forced into the output).
  bool accept_bytes(std::string_view bytes);
  // The output so far is a complete sentence: an end token may come next.
  bool can_end() const { return state_.can_end; }
  // No token can continue and the output is not complete (only an unproductive grammar gets
  // here): generation must stop.
  bool dead() const { return state_.dead(); }
  // An end token was accepted.
  bool ended() const { return ended_; }
  size_t mask_words() const;

 private:
  std::shared_ptr<CompiledGrammar> grammar_;
  CompiledGrammar::State state_;
  bool ended_ = false;
};

}  // namespace gatehouse::grammar
