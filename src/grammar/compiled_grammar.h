// A grammar prepared for matching against one vocabulary, shared by every sequence that uses it
// and cached across requests. A parser state is a set of stacks; stacks are interned as nodes
// (a position in the grammar and the node to return to), so a state is a short sorted list of
// ids and advancing it by a byte reuses cached closures.
//
// Masks follow XGrammar's split of the vocabulary: the tokens a stack's top frames decide on
// their own (consumed while still inside them) are found once by a walk of the vocabulary trie
// and kept; the few that leave those frames are grouped by what follows, and checked against the
// real stack below once per stack; the result is kept per stack (a bitset when large), so a mask
// is the union of a few kept sets.
//
// A walk's scope is the stack's two innermost frames (kScopeFrames), not the position's rule
// alone: that rule is often a single character (a UTF-8 class), which every longer token leaves
// at once, so nearly all the vocabulary would have to be checked per stack; its caller is the
// loop around it (a string's content, a bounded repetition) that most tokens stay inside. Walks
// with the same scope (strings in different places of a schema) share one result.
//
// A walk steps through the trie with memoized transitions: the stack sets it meets are interned
// as walk states, each with its next state per byte found on first use, so most trie nodes cost
// one table lookup instead of a closure computation. Walk states and transitions are kept for
// every later walk of the grammar.
//
// Everything is computed on first use and kept. Thread-safe: one mutex guards the caches.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "grammar/grammar.h"
#include "grammar/token_vocabulary.h"

namespace gatehouse::grammar {

class CompiledGrammar {
 public:
  // Where a parse stands: the stacks whose top expects a byte, and whether the input so far is a
  // complete sentence (the output may end here).
  struct State {
    std::vector<int32_t> stacks;  // sorted node ids
    bool can_end = false;
    bool dead() const { return stacks.empty() && !can_end; }
  };

  CompiledGrammar(Grammar grammar, std::shared_ptr<const TokenVocabulary> vocabulary);

  const TokenVocabulary& vocabulary() const { return *vocabulary_; }
  State start();
  // The state after one more byte; dead() when the byte cannot come next.
  State advance(const State& state, uint8_t byte);
  State advance(const State& state, std::string_view bytes);
  // Sets the bits (one per logit) of the tokens that may come next; end tokens when can_end.
  // `mask` has ceil(logits_size / 32) words and is overwritten.
  void fill_mask(const State& state, std::span<uint32_t> mask);

 private:
  static constexpr int32_t kRoot = -1;    // the parent of the outermost stack node
  static constexpr int32_t kOutside = -2;  // the parent below a walk's scope: "the scope ended"
  static constexpr int kScopeFrames = 2;    // stack frames a vocabulary walk decides on its own

  struct Position {
    Element::Kind kind;
    bool end;       // past the last element of its alternative
    int32_t index;  // byte set or rule
    int32_t rule;   // the rule this position belongs to
  };
  struct Node {
    int32_t position;
    int32_t parent;
  };
  struct Closure {
    std::vector<int32_t> stacks;  // scannable nodes
    bool can_end = false;          // reached kRoot
    bool left = false;             // reached kOutside
  };
  // Tokens that leave a walk's scope, then go on with `suffix` outside it.
  struct LeavingGroup {
    std::string suffix;
    std::vector<int32_t> tokens;
  };
  // The tokens a stack node allows, as a bitset when they are many, else a list.
  struct NodeTokens {
    std::vector<uint32_t> bits;
    std::vector<int32_t> tokens;
  };
  struct ScopeTokens {
    std::vector<uint32_t> accepted_bits;  // when many are accepted (one bit per logit)
    std::vector<int32_t> accepted;        // otherwise
    std::vector<LeavingGroup> leaving;
  };
  // A set of stacks reached inside a walk's scope. Its transitions are kept as steps: the next
  // state's id shifted left by two, with kLeft (the scope could end on the way) and kDead (no
  // stack left) as flags, so the walk reads one int per trie node.
  struct WalkState {
    std::vector<int32_t> stacks;
    std::unique_ptr<std::array<int32_t, 256>> steps;  // per byte: a step, or kUnknown
  };
  static constexpr int32_t kUnknown = -1;
  static constexpr int32_t kLeft = 1;
  static constexpr int32_t kDead = 2;

  int32_t intern(int32_t position, int32_t parent);
  // The scannable stacks reached from `node` by calls and returns, added to `out`.
  void expand(int32_t node, Closure& out);
  const Closure& after_scan(int32_t node);  // closure once the node's byte is consumed
  const Closure& resume(int32_t parent);    // closure of returning into `parent`
  void advance_into(std::span<const int32_t> stacks, uint8_t byte, Closure& out);
  // The node's scope: its kScopeFrames innermost frames over kOutside; `rest` is set to the real
  // node (or kRoot) below them.
  int32_t scope(int32_t node, int32_t& rest);
  const ScopeTokens& scope_tokens(int32_t scoped);
  ScopeTokens walk_vocabulary(int32_t scoped);
  int32_t walk_state(std::vector<int32_t> stacks);
  std::array<int32_t, 256>& walk_steps(int32_t state);
  int32_t walk_step(int32_t state, uint8_t byte);  // computes and keeps an unknown step
  const NodeTokens& node_tokens(int32_t node);
  State advance_locked(const State& state, std::string_view bytes);
  void compute_follow();

  Grammar grammar_;
  std::shared_ptr<const TokenVocabulary> vocabulary_;
  std::vector<Position> positions_;
  std::vector<std::vector<int32_t>> rule_starts_;  // first position of each alternative
  std::vector<ByteSet> follow_;                    // per rule: the bytes that may follow it

  std::mutex mutex_;
  std::vector<Node> nodes_;
  std::unordered_map<uint64_t, int32_t> node_ids_;
  std::vector<std::unique_ptr<Closure>> after_scan_;  // per node
  std::vector<std::unique_ptr<Closure>> resume_;      // per node
  std::unordered_map<int32_t, std::unique_ptr<ScopeTokens>> scope_tokens_;  // per scoped node
  std::vector<WalkState> walk_states_;
  std::map<std::vector<int32_t>, int32_t> walk_state_ids_;
  std::unordered_map<int32_t, NodeTokens> node_tokens_;
  std::vector<uint32_t> visited_;  // per node: the expand() pass that last saw it
  uint32_t pass_ = 0;
};

}  // namespace gatehouse::grammar
