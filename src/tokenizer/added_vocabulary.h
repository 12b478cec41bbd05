// Added tokens (special tokens such as "<s>", "<|im_start|>", and user-added words): they are split
// out of the text before the model sees it, by leftmost-longest matching, with HF's single_word /
// lstrip / rstrip / normalized rules (tk/tokenizer/added_vocabulary.rs). Immutable after
// construction; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tokenizer/model.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenized_string.h"

namespace gatehouse::tokenizer {

struct AddedToken {
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
};

class AddedVocabulary {
 public:
  // Assigns ids as HF does: the id of the same content in the model vocabulary when present,
  // otherwise the next id after the model vocabulary and the added tokens so far. `declared_ids`
  // (from tokenizer.json) are used only when the content is not in the model.
  AddedVocabulary(std::vector<AddedToken> tokens, const std::vector<uint32_t>& declared_ids,
                  const Model& model, const Normalizer* normalizer);

  // Splits out added tokens, normalizing the text between them (each piece separately).
  // Without `offsets`, alignments are not kept (ids-only encoding).
  PreTokenizedString extract_and_normalize(std::string_view text, const Normalizer* normalizer,
                                           bool offsets = true) const;

  std::optional<uint32_t> token_to_id(std::string_view content) const;
  const AddedToken* token(uint32_t id) const;
  // True when `content` is the content of a special added token (what skip_special_tokens removes).
  bool is_special(std::string_view content) const { return special_contents_.count(std::string(content)) > 0; }
  size_t size() const { return by_id_.size(); }
  // One past the highest id of an added token, or 0 when there are none.
  uint32_t end_id() const { return end_id_; }

 private:
  // A byte trie over the match forms of one group of tokens, for leftmost-longest search.
  class Matcher {
   public:
    void add(std::string_view key, uint32_t id);
    // Longest key starting at text[pos]: returns the id and sets `length`, or nullopt.
    std::optional<uint32_t> longest_at(std::string_view text, size_t pos, size_t& length) const;
    bool empty() const { return nodes_.size() <= 1; }
    bool may_start(unsigned char byte) const { return first_bytes_[byte]; }

   private:
    struct Node {
      std::unordered_map<unsigned char, uint32_t> children;
      int64_t id = -1;
    };
    std::vector<Node> nodes_{1};
    bool first_bytes_[256] = {};
  };

  // Appends the splits of `text` around the tokens `matcher` finds; unmatched pieces go through
  // `on_gap`. Offsets come from `text`'s alignment.
  void split_with(const Matcher& matcher, const NormalizedString& text, std::vector<Split>& out,
                  const std::function<void(NormalizedString&&, std::vector<Split>&)>& on_gap) const;

  std::unordered_map<uint32_t, AddedToken> by_id_;
  std::unordered_map<std::string, uint32_t> by_content_;
  std::unordered_set<std::string> special_contents_;
  Matcher raw_matcher_;         // tokens with normalized == false, matched on the raw text
  Matcher normalized_matcher_;  // tokens with normalized == true, matched on normalized pieces
  uint32_t end_id_ = 0;
};

}  // namespace gatehouse::tokenizer
