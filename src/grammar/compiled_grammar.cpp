#include "grammar/compiled_grammar.h"

#include <algorithm>
#include <bit>
#include <map>

#include "base/error.h"

namespace gatehouse::grammar {
namespace {

// Positions accepting more tokens than this keep a bitset instead of a list.
constexpr size_t kBitsetThreshold = 1024;

void set_bit(std::span<uint32_t> mask, int32_t token) {
  mask[static_cast<size_t>(token) >> 5] |= uint32_t{1} << (token & 31);
}

void sort_unique(std::vector<int32_t>& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

}  // namespace

CompiledGrammar::CompiledGrammar(Grammar grammar, std::shared_ptr<const TokenVocabulary> vocabulary)
    : grammar_(std::move(grammar)), vocabulary_(std::move(vocabulary)) {
  const auto& rules = grammar_.rules();
  rule_starts_.resize(rules.size());
  for (size_t r = 0; r < rules.size(); ++r) {
    for (const Sequence& sequence : rules[r].alternatives) {
      rule_starts_[r].push_back(static_cast<int32_t>(positions_.size()));
      for (const Element& element : sequence) {
        positions_.push_back({element.kind, false, element.index, static_cast<int32_t>(r)});
      }
      positions_.push_back({Element::Kind::bytes, true, 0, static_cast<int32_t>(r)});
    }
  }
  compute_follow();
}

// FOLLOW sets over bytes, the textbook fixed point: what can come right after each rule.
void CompiledGrammar::compute_follow() {
  const auto& rules = grammar_.rules();
  const auto& sets = grammar_.byte_sets();
  std::vector<bool> nullable(rules.size(), false);
  std::vector<ByteSet> first(rules.size());
  // FIRST of a sequence's suffix, and whether that suffix is nullable.
  auto first_of = [&](const Sequence& sequence, size_t from, ByteSet& out) {
    for (size_t i = from; i < sequence.size(); ++i) {
      const Element& e = sequence[i];
      if (e.kind == Element::Kind::bytes) {
        out.add_all(sets[static_cast<size_t>(e.index)]);
        return false;
      }
      out.add_all(first[static_cast<size_t>(e.index)]);
      if (!nullable[static_cast<size_t>(e.index)]) return false;
    }
    return true;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < rules.size(); ++r) {
      for (const Sequence& sequence : rules[r].alternatives) {
        ByteSet f = first[r];
        bool n = first_of(sequence, 0, f);
        if (f != first[r] || (n && !nullable[r])) {
          first[r] = f;
          nullable[r] = nullable[r] || n;
          changed = true;
        }
      }
    }
  }
  follow_.assign(rules.size(), ByteSet{});
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < rules.size(); ++r) {
      for (const Sequence& sequence : rules[r].alternatives) {
        for (size_t i = 0; i < sequence.size(); ++i) {
          if (sequence[i].kind != Element::Kind::rule) continue;
          const size_t callee = static_cast<size_t>(sequence[i].index);
          ByteSet f = follow_[callee];
          if (first_of(sequence, i + 1, f)) f.add_all(follow_[r]);
          if (f != follow_[callee]) {
            follow_[callee] = f;
            changed = true;
          }
        }
      }
    }
  }
}

int32_t CompiledGrammar::intern(int32_t position, int32_t parent) {
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(position)) << 32) | static_cast<uint32_t>(parent);
  auto [it, inserted] = node_ids_.try_emplace(key, static_cast<int32_t>(nodes_.size()));
  if (inserted) {
    nodes_.push_back({position, parent});
    visited_.push_back(0);
    after_scan_.emplace_back();
    resume_.emplace_back();
  }
  return it->second;
}

void CompiledGrammar::expand(int32_t node, Closure& out) {
  if (visited_[static_cast<size_t>(node)] == pass_) return;
  visited_[static_cast<size_t>(node)] = pass_;
  const Node n = nodes_[static_cast<size_t>(node)];
  const Position& p = positions_[static_cast<size_t>(n.position)];
  if (p.end) {
    if (n.parent == kRoot) {
      out.can_end = true;
    } else if (n.parent == kOutside) {
      out.left = true;
    } else {
      expand(n.parent, out);
    }
    return;
  }
  if (p.kind == Element::Kind::bytes) {
    out.stacks.push_back(node);
    return;
  }
  // A call. Returning to the end of this alternative is the same as returning to our parent, so
  // a call in last place passes the parent on: loops written as right recursion stay flat.
  const int32_t next = n.position + 1;
  const int32_t return_to = positions_[static_cast<size_t>(next)].end ? n.parent : intern(next, n.parent);
  for (int32_t start : rule_starts_[static_cast<size_t>(p.index)]) expand(intern(start, return_to), out);
}

const CompiledGrammar::Closure& CompiledGrammar::after_scan(int32_t node) {
  if (!after_scan_[static_cast<size_t>(node)]) {
    const Node n = nodes_[static_cast<size_t>(node)];
    const int32_t next = intern(n.position + 1, n.parent);
    auto closure = std::make_unique<Closure>();
    ++pass_;
    expand(next, *closure);
    sort_unique(closure->stacks);
    after_scan_[static_cast<size_t>(node)] = std::move(closure);
  }
  return *after_scan_[static_cast<size_t>(node)];
}

const CompiledGrammar::Closure& CompiledGrammar::resume(int32_t parent) {
  static const Closure kEnded{{}, true, false};
  if (parent == kRoot) return kEnded;
  if (!resume_[static_cast<size_t>(parent)]) {
    auto closure = std::make_unique<Closure>();
    ++pass_;
    expand(parent, *closure);
    sort_unique(closure->stacks);
    resume_[static_cast<size_t>(parent)] = std::move(closure);
  }
  return *resume_[static_cast<size_t>(parent)];
}

void CompiledGrammar::advance_into(std::span<const int32_t> stacks, uint8_t byte, Closure& out) {
  out.stacks.clear();
  out.can_end = out.left = false;
  for (int32_t node : stacks) {
    const Position& p = positions_[static_cast<size_t>(nodes_[static_cast<size_t>(node)].position)];
    if (!grammar_.byte_sets()[static_cast<size_t>(p.index)].contains(byte)) continue;
    const Closure& next = after_scan(node);
    out.stacks.insert(out.stacks.end(), next.stacks.begin(), next.stacks.end());
    out.can_end |= next.can_end;
    out.left |= next.left;
  }
  if (stacks.size() > 1) sort_unique(out.stacks);
}

CompiledGrammar::State CompiledGrammar::start() {
  std::lock_guard lock(mutex_);
  Closure closure;
  ++pass_;
  for (int32_t start : rule_starts_[static_cast<size_t>(grammar_.root())]) expand(intern(start, kRoot), closure);
  sort_unique(closure.stacks);
  return {std::move(closure.stacks), closure.can_end};
}

CompiledGrammar::State CompiledGrammar::advance_locked(const State& state, std::string_view bytes) {
  State current = state;
  Closure next;
  for (char c : bytes) {
    if (current.stacks.empty()) return {};
    advance_into(current.stacks, static_cast<uint8_t>(c), next);
    current.stacks.swap(next.stacks);
    current.can_end = next.can_end;
  }
  return current;
}

CompiledGrammar::State CompiledGrammar::advance(const State& state, uint8_t byte) {
  const char c = static_cast<char>(byte);
  return advance(state, std::string_view(&c, 1));
}

CompiledGrammar::State CompiledGrammar::advance(const State& state, std::string_view bytes) {
  std::lock_guard lock(mutex_);
  return advance_locked(state, bytes);
}

int32_t CompiledGrammar::walk_state(std::vector<int32_t> stacks) {
  auto [it, added] = walk_state_ids_.try_emplace(stacks, static_cast<int32_t>(walk_states_.size()));
  if (added) walk_states_.push_back({std::move(stacks), nullptr});
  return it->second;
}

std::array<int32_t, 256>& CompiledGrammar::walk_steps(int32_t state) {
  auto& steps = walk_states_[static_cast<size_t>(state)].steps;
  if (!steps) {
    steps = std::make_unique<std::array<int32_t, 256>>();
    steps->fill(kUnknown);
  }
  return *steps;
}

int32_t CompiledGrammar::walk_step(int32_t state, uint8_t byte) {
  Closure closure;
  advance_into(walk_states_[static_cast<size_t>(state)].stacks, byte, closure);
  const int32_t flags = (closure.left ? kLeft : 0) | (closure.stacks.empty() ? kDead : 0);
  const int32_t next = walk_state(std::move(closure.stacks));
  return walk_steps(state)[byte] = (next << 2) | flags;
}

// One depth-first walk of the vocabulary trie from a scoped node. A token still inside the scope
// at its end is accepted here, whatever the context. A token that dies inside the scope after the
// scope could have ended (at offset k) may still fit the context: it is kept, grouped by its bytes
// from k, when its byte at k can follow the scope's outermost rule.
CompiledGrammar::ScopeTokens CompiledGrammar::walk_vocabulary(int32_t scoped) {
  const TokenVocabulary::Trie& trie = vocabulary_->trie();
  int32_t outermost = scoped;
  while (nodes_[static_cast<size_t>(outermost)].parent != kOutside) outermost = nodes_[static_cast<size_t>(outermost)].parent;
  const ByteSet& follow = follow_[static_cast<size_t>(positions_[static_cast<size_t>(nodes_[static_cast<size_t>(outermost)].position)].rule)];
  struct Level {
    int32_t state;
    const std::array<int32_t, 256>* steps;
  };
  const int32_t start = walk_state({scoped});
  std::vector<Level> levels{{start, &walk_steps(start)}};  // the walk state at each depth of the path
  std::vector<int32_t> exits;  // depths on the current path where the scope could have ended
  std::vector<int32_t> fitting;
  std::vector<uint8_t> path(2);  // the byte at each depth of the current path (one longer than levels)
  std::vector<uint32_t> accepted(static_cast<size_t>((vocabulary_->logits_size() + 31) / 32), 0);
  size_t accepted_count = 0;
  std::map<std::string, std::vector<int32_t>> leaving;
  const size_t nodes = trie.byte.size();
  for (size_t i = 1; i < nodes;) {
    const int32_t depth = trie.depth[i];
    while (!exits.empty() && exits.back() >= depth) exits.pop_back();
    const Level parent = levels[static_cast<size_t>(depth - 1)];
    int32_t step = (*parent.steps)[trie.byte[i]];
    if (step == kUnknown) step = walk_step(parent.state, trie.byte[i]);
    if (step & kLeft) exits.push_back(depth);
    const int32_t from = trie.ending_begin[i];
    path[static_cast<size_t>(depth)] = trie.byte[i];
    if (step & kDead) {
      // The exits whose next byte can follow the scope; that byte is on the path, except after
      // an exit at this very node.
      fitting.clear();
      for (int32_t exit : exits) {
        if (exit == depth || follow.contains(path[static_cast<size_t>(exit) + 1])) fitting.push_back(exit);
      }
      const int32_t to = fitting.empty() ? from : trie.ending_begin[static_cast<size_t>(trie.skip[i])];
      for (int32_t k = from; k < to; ++k) {
        const int32_t token = trie.ending[static_cast<size_t>(k)];
        const std::string& bytes = vocabulary_->bytes(token);
        for (int32_t exit : fitting) {
          if (exit < depth || static_cast<size_t>(exit) == bytes.size() || follow.contains(static_cast<uint8_t>(bytes[static_cast<size_t>(exit)]))) {
            leaving[bytes.substr(static_cast<size_t>(exit))].push_back(token);
          }
        }
      }
      i = static_cast<size_t>(trie.skip[i]);
      continue;
    }
    for (int32_t k = from; k < trie.ending_begin[i + 1]; ++k) set_bit(accepted, trie.ending[static_cast<size_t>(k)]);
    accepted_count += static_cast<size_t>(trie.ending_begin[i + 1] - from);
    if (levels.size() <= static_cast<size_t>(depth)) {
      levels.resize(static_cast<size_t>(depth) + 1);
      path.resize(static_cast<size_t>(depth) + 2);
    }
    levels[static_cast<size_t>(depth)] = {step >> 2, &walk_steps(step >> 2)};
    ++i;
  }
  ScopeTokens out;
  if (accepted_count > kBitsetThreshold) {
    out.accepted_bits = std::move(accepted);
  } else {
    for (size_t w = 0; w < accepted.size(); ++w) {
      for (uint32_t bits = accepted[w]; bits; bits &= bits - 1) out.accepted.push_back(static_cast<int32_t>(w * 32 + std::countr_zero(bits)));
    }
  }
  for (auto& [suffix, tokens] : leaving) {
    sort_unique(tokens);
    out.leaving.push_back({suffix, std::move(tokens)});
  }
  return out;
}

int32_t CompiledGrammar::scope(int32_t node, int32_t& rest) {
  std::array<int32_t, kScopeFrames> frames;
  int count = 0;
  for (rest = node; count < kScopeFrames && rest >= 0; rest = nodes_[static_cast<size_t>(rest)].parent) {
    frames[static_cast<size_t>(count++)] = nodes_[static_cast<size_t>(rest)].position;
  }
  int32_t scoped = kOutside;
  while (count > 0) scoped = intern(frames[static_cast<size_t>(--count)], scoped);
  return scoped;
}

const CompiledGrammar::ScopeTokens& CompiledGrammar::scope_tokens(int32_t scoped) {
  auto& slot = scope_tokens_[scoped];
  if (!slot) slot = std::make_unique<ScopeTokens>(walk_vocabulary(scoped));
  return *slot;
}

// A node's tokens, computed once: its scope's own tokens and, of those leaving the scope, the
// groups whose continuation fits the rest of this node's stack.
const CompiledGrammar::NodeTokens& CompiledGrammar::node_tokens(int32_t node) {
  auto found = node_tokens_.find(node);
  if (found != node_tokens_.end()) return found->second;
  int32_t rest = kRoot;
  const int32_t scoped = scope(node, rest);
  const ScopeTokens& tokens = scope_tokens(scoped);
  const Closure& resumed = resume(rest);
  const State after_scope{resumed.stacks, resumed.can_end};
  NodeTokens out;
  std::vector<int32_t> extra;
  for (const LeavingGroup& group : tokens.leaving) {
    if (!advance_locked(after_scope, group.suffix).dead()) extra.insert(extra.end(), group.tokens.begin(), group.tokens.end());
  }
  if (tokens.accepted_bits.empty() && tokens.accepted.size() + extra.size() <= kBitsetThreshold) {
    out.tokens = tokens.accepted;
    out.tokens.insert(out.tokens.end(), extra.begin(), extra.end());
  } else {
    out.bits = tokens.accepted_bits;
    if (out.bits.empty()) out.bits.assign(static_cast<size_t>((vocabulary_->logits_size() + 31) / 32), 0);
    for (int32_t token : tokens.accepted) set_bit(out.bits, token);
    for (int32_t token : extra) set_bit(out.bits, token);
  }
  return node_tokens_.emplace(node, std::move(out)).first->second;
}

void CompiledGrammar::fill_mask(const State& state, std::span<uint32_t> mask) {
  std::lock_guard lock(mutex_);
  std::fill(mask.begin(), mask.end(), 0);
  for (int32_t node : state.stacks) {
    const NodeTokens& tokens = node_tokens(node);
    for (size_t w = 0; w < tokens.bits.size(); ++w) mask[w] |= tokens.bits[w];
    for (int32_t token : tokens.tokens) set_bit(mask, token);
  }
  if (state.can_end) {
    for (int32_t token : vocabulary_->end_tokens()) {
      if (token >= 0 && token < vocabulary_->logits_size()) set_bit(mask, token);
    }
  }
}

}  // namespace gatehouse::grammar
