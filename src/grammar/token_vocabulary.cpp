#include "grammar/token_vocabulary.h"

#include <algorithm>
#include <numeric>

#include "base/error.h"

namespace gatehouse::grammar {

TokenVocabulary::TokenVocabulary(std::vector<std::optional<std::string>> tokens, std::vector<int32_t> end_tokens,
                                 int64_t logits_size)
    : end_tokens_(std::move(end_tokens)), logits_size_(logits_size) {
  if (logits_size < static_cast<int64_t>(tokens.size())) {
    throw Error(ErrorCode::invalid_argument, "the logits are narrower than the tokenizer's vocabulary");
  }
  bytes_.resize(tokens.size());
  text_.resize(tokens.size());
  std::vector<int32_t> order;
  for (size_t id = 0; id < tokens.size(); ++id) {
    if (!tokens[id] || tokens[id]->empty()) continue;
    bytes_[id] = std::move(*tokens[id]);
    text_[id] = true;
    order.push_back(static_cast<int32_t>(id));
  }
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return bytes_[a] < bytes_[b]; });

  // Sorted tokens give the trie in depth-first order: each token adds the nodes past its common
  // prefix with the one before it.
  Trie& t = trie_;
  t.byte.push_back(0);
  t.depth.push_back(0);
  std::vector<int32_t> path{0};  // node at each depth of the current token
  std::vector<std::vector<int32_t>> endings(1);
  const std::string* previous = nullptr;
  for (int32_t id : order) {
    const std::string& s = bytes_[id];
    size_t common = 0;
    if (previous) {
      while (common < s.size() && common < previous->size() && s[common] == (*previous)[common]) ++common;
    }
    path.resize(common + 1);
    for (size_t d = common; d < s.size(); ++d) {
      t.byte.push_back(static_cast<uint8_t>(s[d]));
      t.depth.push_back(static_cast<int32_t>(d + 1));
      endings.emplace_back();
      path.push_back(static_cast<int32_t>(t.byte.size() - 1));
    }
    endings[static_cast<size_t>(path.back())].push_back(id);
    previous = &s;
  }
  const size_t nodes = t.byte.size();
  // A subtree ends at the next node no deeper than its root.
  t.skip.assign(nodes, static_cast<int32_t>(nodes));
  std::vector<int32_t> open;
  for (size_t i = 0; i < nodes; ++i) {
    while (!open.empty() && t.depth[static_cast<size_t>(open.back())] >= t.depth[i]) {
      t.skip[static_cast<size_t>(open.back())] = static_cast<int32_t>(i);
      open.pop_back();
    }
    open.push_back(static_cast<int32_t>(i));
  }
  t.ending_begin.reserve(nodes + 1);
  for (const auto& list : endings) {
    t.ending_begin.push_back(static_cast<int32_t>(t.ending.size()));
    t.ending.insert(t.ending.end(), list.begin(), list.end());
  }
  t.ending_begin.push_back(static_cast<int32_t>(t.ending.size()));
}

}  // namespace gatehouse::grammar
