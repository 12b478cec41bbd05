// BPE: HF's byte-pair encoding model (tk/models/bpe/model.rs and word.rs). A word starts as one
// symbol per char (or per byte through byte_fallback, or a fused unknown); merges then apply
// lowest rank first through a min-heap, so a word of n chars costs O(n log n). Results for short
// words are cached per thread.
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <queue>
#include <unordered_map>

#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/models/builders.h"
#include "tokenizer/models/merge_table.h"
#include "tokenizer/models/vocabulary.h"

namespace gatehouse::tokenizer::models {
namespace {

namespace bj = boost::json;

// HF caches words shorter than this many bytes.
constexpr size_t kMaxCachedWordBytes = 256;
constexpr size_t kMaxCachedWords = 100'000;
constexpr std::string_view kMetaspace = "\xE2\x96\x81";  // U+2581

struct Symbol {
  uint32_t id;
  uint32_t length;  // bytes of the word this symbol covers; 0 once merged into its left neighbour
  int32_t prev;
  int32_t next;
};

struct QueuedMerge {
  uint32_t rank;
  uint32_t position;
  uint32_t new_id;
  // std::priority_queue pops the largest: invert so the lowest rank, then leftmost, comes first.
  bool operator<(const QueuedMerge& other) const {
    return rank != other.rank ? rank > other.rank : position > other.position;
  }
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// The per-thread word cache: word -> [id, length, id, length, ...]. Owned by one model at a time
// (a model id, never reused, tells whose it is).
struct WordCache {
  uint64_t owner = 0;
  std::unordered_map<std::string, std::vector<uint32_t>, StringHash, std::equal_to<>> words;
};

std::atomic<uint64_t> next_model_id{1};

class Bpe final : public Model {
 public:
  Bpe(const bj::object& config, const json::JsonPath& path);

  void tokenize(std::string_view sequence, std::vector<Token>& out) const override;
  std::optional<uint32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string_view> id_to_token(uint32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  void tokenize_word(std::string_view word, std::vector<Token>& out) const;
  void initial_symbols(std::string_view word, std::vector<Symbol>& symbols) const;
  void merge_all(std::vector<Symbol>& symbols) const;
  static void emit(const std::vector<uint32_t>& pairs, std::vector<Token>& out);

  Vocabulary vocab_;
  MergeTable merges_;
  std::optional<std::string> unk_token_;
  std::optional<uint32_t> unk_id_;  // unset when unk_token_ is missing from the vocabulary
  std::string prefix_;  // continuing_subword_prefix
  std::string suffix_;  // end_of_word_suffix
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  // SentencePiece-style BPE sees a whole text as one word ("▁Hello▁world"). When no token has ▁
  // after another char, no merge can cross a ▁ that follows another char, so the text is cut
  // there: identical results, and the pieces hit the word cache.
  bool split_at_metaspace_ = false;
  std::vector<int32_t> char_ids_;      // id of each single-char token below U+10000, or -1
  std::array<int32_t, 256> byte_ids_;  // id of each <0xXX> token, or -1
  uint64_t model_id_ = next_model_id++;
};

// HF splits a string merge on spaces and wants exactly two parts.
std::pair<std::string, std::string> merge_parts(const bj::value& merge, const json::JsonPath& path) {
  if (merge.is_array()) {
    const bj::array& pair = merge.get_array();
    if (pair.size() != 2) throw Error(ErrorCode::invalid_argument, path.str() + " must hold exactly two tokens");
    return {std::string(json::as_string(pair[0], path[0])), std::string(json::as_string(pair[1], path[1]))};
  }
  std::string_view text = json::as_string(merge, path);
  size_t space = text.find(' ');
  if (space == std::string_view::npos || text.find(' ', space + 1) != std::string_view::npos) {
    throw Error(ErrorCode::invalid_argument, path.str() + " is \"" + std::string(text) +
                                                 "\"; a merge is two tokens separated by one space");
  }
  return {std::string(text.substr(0, space)), std::string(text.substr(space + 1))};
}

Bpe::Bpe(const bj::object& config, const json::JsonPath& path)
    : vocab_(json::require(config, "vocab", path), path / "vocab") {
  if (const bj::value* dropout = json::find(config, "dropout")) {
    double p = json::as_double(*dropout, path / "dropout");
    if (p != 0.0) {
      throw Error(ErrorCode::invalid_argument, (path / "dropout").str() +
                                                   " is set; BPE dropout is a training-time option, set it to null");
    }
  }
  unk_token_ = json::get_optional_string(config, "unk_token", path);
  if (unk_token_) unk_id_ = vocab_.find(*unk_token_);
  prefix_ = json::get_string(config, "continuing_subword_prefix", path, "");
  suffix_ = json::get_string(config, "end_of_word_suffix", path, "");
  fuse_unk_ = json::get_bool(config, "fuse_unk", path, false);
  byte_fallback_ = json::get_bool(config, "byte_fallback", path, false);
  ignore_merges_ = json::get_bool(config, "ignore_merges", path, false);

  json::JsonPath merges_path = path / "merges";
  const bj::array& merges = json::as_array(json::require(config, "merges", path), merges_path);
  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    auto [left, right] = merge_parts(merges[rank], merges_path[rank]);
    auto lookup = [&](const std::string& token) {
      auto id = vocab_.find(token);
      if (!id) {
        throw Error(ErrorCode::invalid_argument, merges_path[rank].str() + " uses \"" + token +
                                                     "\", which is not in model.vocab");
      }
      return *id;
    };
    // HF drops the prefix length from the right part unconditionally.
    std::string merged = left + right.substr(std::min(prefix_.size(), right.size()));
    merges_.insert(lookup(left), lookup(right), uint32_t(rank), lookup(merged));
  }

  split_at_metaspace_ = prefix_.empty() && suffix_.empty() && !ignore_merges_;
  for (uint32_t id = 0; id < vocab_.id_limit() && split_at_metaspace_; ++id) {
    auto token = vocab_.token(id);
    if (!token) continue;
    for (size_t hit = token->find(kMetaspace, 1); hit != std::string_view::npos; hit = token->find(kMetaspace, hit + 1)) {
      if (hit < kMetaspace.size() || token->substr(hit - kMetaspace.size(), kMetaspace.size()) != kMetaspace) {
        split_at_metaspace_ = false;
        break;
      }
    }
  }

  char_ids_.assign(0x10000, -1);
  byte_ids_.fill(-1);
  for (uint32_t id = 0; id < vocab_.id_limit(); ++id) {
    auto token = vocab_.token(id);
    if (!token || token->empty()) continue;
    int length = 0;
    char32_t ch = utf8::decode(*token, 0, length);
    if (ch < 0x10000 && size_t(length) == token->size()) char_ids_[ch] = int32_t(id);
  }
  for (int byte = 0; byte < 256; ++byte) {
    if (auto id = vocab_.find(byte_fallback_token(uint8_t(byte)))) byte_ids_[byte] = int32_t(*id);
  }
}

void Bpe::initial_symbols(std::string_view word, std::vector<Symbol>& symbols) const {
  symbols.clear();
  std::optional<Symbol> pending_unk;
  auto add = [&](uint32_t id, uint32_t length) {
    int32_t index = int32_t(symbols.size());
    symbols.push_back({id, length, index - 1, index + 1});
  };
  auto flush_unk = [&] {
    if (pending_unk) add(pending_unk->id, pending_unk->length);
    pending_unk.reset();
  };
  std::string decorated;
  for (size_t i = 0; i < word.size();) {
    int length = 0;
    char32_t ch = utf8::decode(word, i, length);
    bool first = i == 0;
    bool last = i + size_t(length) == word.size();
    std::string_view piece = word.substr(i, size_t(length));
    i += size_t(length);
    bool decorate = (!first && !prefix_.empty()) || (last && !suffix_.empty());
    std::optional<uint32_t> id;
    if (!decorate) {
      if (ch < 0x10000) {
        if (char_ids_[ch] >= 0) id = uint32_t(char_ids_[ch]);
      } else {
        id = vocab_.find(piece);
      }
    } else {
      decorated.assign(first ? "" : prefix_);
      decorated += piece;
      if (last) decorated += suffix_;
      id = vocab_.find(decorated);
      piece = decorated;
    }
    if (id) {
      flush_unk();
      add(*id, uint32_t(length));
      continue;
    }
    if (byte_fallback_) {
      bool all_bytes = true;
      for (char byte : piece) all_bytes = all_bytes && byte_ids_[uint8_t(byte)] >= 0;
      if (all_bytes) {
        // HF does not flush a pending unknown here; it stays pending until the next known char.
        for (char byte : piece) add(uint32_t(byte_ids_[uint8_t(byte)]), 1);
        continue;
      }
    }
    if (!unk_token_) continue;  // HF drops a char it cannot represent when there is no unk token
    if (!unk_id_) {
      throw Error(ErrorCode::invalid_argument, "tokenizer.json: model.unk_token \"" + *unk_token_ +
                                                   "\" is not in the vocabulary, and the input needs it");
    }
    if (pending_unk && fuse_unk_) {
      pending_unk->length += uint32_t(length);
    } else {
      flush_unk();
      pending_unk = Symbol{*unk_id_, uint32_t(length), 0, 0};
    }
  }
  flush_unk();
  if (!symbols.empty()) symbols.back().next = -1;
}

void Bpe::merge_all(std::vector<Symbol>& symbols) const {
  thread_local std::vector<QueuedMerge> storage;
  storage.clear();
  std::priority_queue<QueuedMerge> queue(std::less<QueuedMerge>(), std::move(storage));
  for (size_t i = 0; i + 1 < symbols.size(); ++i) {
    if (const MergeTable::Entry* merge = merges_.find(symbols[i].id, symbols[i + 1].id)) {
      queue.push({merge->rank, uint32_t(i), merge->new_id});
    }
  }
  while (!queue.empty()) {
    QueuedMerge top = queue.top();
    queue.pop();
    Symbol& current = symbols[top.position];
    if (current.length == 0 || current.next < 0) continue;
    Symbol& right = symbols[size_t(current.next)];
    // Skip entries made stale by earlier merges.
    const MergeTable::Entry* still = merges_.find(current.id, right.id);
    if (!still || still->new_id != top.new_id) continue;
    current.id = top.new_id;
    current.length += right.length;
    right.length = 0;
    current.next = right.next;
    if (current.next >= 0) symbols[size_t(current.next)].prev = int32_t(top.position);
    if (current.prev >= 0) {
      if (const MergeTable::Entry* merge = merges_.find(symbols[size_t(current.prev)].id, current.id)) {
        queue.push({merge->rank, uint32_t(current.prev), merge->new_id});
      }
    }
    if (current.next >= 0) {
      if (const MergeTable::Entry* merge = merges_.find(current.id, symbols[size_t(current.next)].id)) {
        queue.push({merge->rank, top.position, merge->new_id});
      }
    }
  }
}

void Bpe::emit(const std::vector<uint32_t>& pairs, std::vector<Token>& out) {
  uint32_t offset = 0;
  for (size_t i = 0; i < pairs.size(); i += 2) {
    out.push_back({pairs[i], {offset, offset + pairs[i + 1]}});
    offset += pairs[i + 1];
  }
}

void Bpe::tokenize(std::string_view sequence, std::vector<Token>& out) const {
  if (!split_at_metaspace_) return tokenize_word(sequence, out);
  size_t start = 0;
  auto flush = [&](size_t end) {
    size_t first = out.size();
    tokenize_word(sequence.substr(start, end - start), out);
    for (size_t i = first; i < out.size(); ++i) {
      out[i].offsets.begin += uint32_t(start);
      out[i].offsets.end += uint32_t(start);
    }
    start = end;
  };
  for (size_t hit = sequence.find(kMetaspace, 1); hit != std::string_view::npos; hit = sequence.find(kMetaspace, hit + 1)) {
    bool after_metaspace = hit >= kMetaspace.size() && sequence.substr(hit - kMetaspace.size(), kMetaspace.size()) == kMetaspace;
    if (!after_metaspace) flush(hit);
  }
  flush(sequence.size());
}

void Bpe::tokenize_word(std::string_view sequence, std::vector<Token>& out) const {
  if (sequence.empty()) return;
  thread_local WordCache cache;
  if (cache.owner != model_id_) {
    cache.words.clear();
    cache.owner = model_id_;
  }
  // The cache comes first: most words repeat, and one hash lookup then answers.
  bool cacheable = sequence.size() < kMaxCachedWordBytes;
  if (cacheable) {
    if (auto hit = cache.words.find(sequence); hit != cache.words.end()) {
      emit(hit->second, out);
      return;
    }
  }
  if (ignore_merges_) {
    if (auto id = vocab_.find(sequence)) {
      out.push_back({*id, {0, uint32_t(sequence.size())}});
      return;
    }
  }
  thread_local std::vector<Symbol> symbols;
  initial_symbols(sequence, symbols);
  merge_all(symbols);
  thread_local std::vector<uint32_t> pairs;
  pairs.clear();
  for (const Symbol& symbol : symbols) {
    if (symbol.length == 0) continue;
    pairs.push_back(symbol.id);
    pairs.push_back(symbol.length);
  }
  emit(pairs, out);
  if (cacheable) {
    if (cache.words.size() >= kMaxCachedWords) cache.words.clear();
    cache.words.emplace(std::string(sequence), pairs);
  }
}

}  // namespace

std::unique_ptr<Model> make_bpe(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<Bpe>(config, path);
}

}  // namespace gatehouse::tokenizer::models
