// A model's vocabulary as the matcher sees it: each token id's bytes, arranged as a byte trie so
// that a walk can drop every token sharing a rejected prefix at once. Special tokens (control
// tokens such as <|im_start|>, never text) and ids past the tokenizer's vocabulary (padding up to
// the logits' size) never match a grammar; end-of-sequence tokens are allowed only where the
// grammar can end. Built once per served model; immutable and shared by every compiled grammar.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gatehouse::grammar {

class TokenVocabulary {
 public:
  // `tokens[id]` is the token's bytes, or nullopt for a special token. `logits_size` (>= the
  // number of tokens) is the width of the masks the matcher fills.
  TokenVocabulary(std::vector<std::optional<std::string>> tokens, std::vector<int32_t> end_tokens,
                  int64_t logits_size);

  int64_t logits_size() const { return logits_size_; }
  const std::vector<int32_t>& end_tokens() const { return end_tokens_; }
  const std::string& bytes(int32_t token) const { return bytes_[static_cast<size_t>(token)]; }
  // Whether the token is text the grammar can match (not special, not empty, not padding).
  bool is_text(int32_t token) const {
    return token >= 0 && static_cast<size_t>(token) < text_.size() && text_[static_cast<size_t>(token)];
  }

  // The trie in depth-first order. Node 0 is the root (the empty prefix); node i's subtree is
  // [i, skip[i]); its byte is the last byte of its prefix; tokens whose bytes end exactly at node
  // i are ending[ending_begin[i], ending_begin[i + 1]).
  struct Trie {
    std::vector<uint8_t> byte;
    std::vector<int32_t> depth;
    std::vector<int32_t> skip;
    std::vector<int32_t> ending_begin;
    std::vector<int32_t> ending;
  };
  const Trie& trie() const { return trie_; }

 private:
  std::vector<std::string> bytes_;
  std::vector<bool> text_;
  std::vector<int32_t> end_tokens_;
  int64_t logits_size_ = 0;
  Trie trie_;
};

}  // namespace gatehouse::grammar
