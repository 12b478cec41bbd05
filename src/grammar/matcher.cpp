#include "grammar/matcher.h"

#include <algorithm>

namespace gatehouse::grammar {

GrammarMatcher::GrammarMatcher(std::shared_ptr<CompiledGrammar> grammar)
    : grammar_(std::move(grammar)), state_(grammar_->start()) {}

size_t GrammarMatcher::mask_words() const {
  return static_cast<size_t>((grammar_->vocabulary().logits_size() + 31) / 32);
}

void GrammarMatcher::fill_mask(std::span<uint32_t> mask) {
  if (ended_) {
    std::fill(mask.begin(), mask.end(), 0);
    return;
  }
  grammar_->fill_mask(state_, mask);
}

bool GrammarMatcher::accept(int32_t token) {
  if (ended_) return false;
  const TokenVocabulary& vocabulary = grammar_->vocabulary();
  const auto& ends = vocabulary.end_tokens();
  if (std::find(ends.begin(), ends.end(), token) != ends.end()) {
    if (!state_.can_end) return false;
    ended_ = true;
    return true;
  }
  if (!vocabulary.is_text(token)) return false;
  return accept_bytes(vocabulary.bytes(token));
}

bool GrammarMatcher::accept_bytes(std::string_view bytes) {
  CompiledGrammar::State next = grammar_->advance(state_, bytes);
  if (next.dead()) return false;
  state_ = std::move(next);
  return true;
}

}  // namespace gatehouse::grammar
