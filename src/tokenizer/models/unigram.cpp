// Unigram: the SentencePiece unigram language model (tk/models/unigram/model.rs). Viterbi over a
// byte trie of all pieces picks the segmentation with the best total score; a char no piece
// starts with costs min_score - 10 and becomes unk, and consecutive unks fuse into one token.
// With byte_fallback, a piece missing from the vocabulary becomes its <0xXX> byte tokens.
#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/models/builders.h"

namespace gatehouse::tokenizer::models {
namespace {

namespace bj = boost::json;

constexpr double kUnkPenalty = 10.0;

// A byte trie: node 0 is the root; each node may end a piece (its id, or -1).
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

class PieceTrie {
 public:
  PieceTrie() : ends_(1, -1) {}

  void insert(std::string_view piece, int32_t id) {
    uint32_t node = 0;
    for (char byte : piece) {
      auto [it, added] = edges_.try_emplace(key(node, uint8_t(byte)), uint32_t(ends_.size()));
      if (added) ends_.push_back(-1);
      node = it->second;
    }
    ends_[node] = id;
  }

  // Calls fn(length, id) for every piece that is a prefix of `text`, shortest first.
  template <typename Fn>
  void for_each_prefix(std::string_view text, Fn&& fn) const {
    uint32_t node = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      auto it = edges_.find(key(node, uint8_t(text[i])));
      if (it == edges_.end()) return;
      node = it->second;
      if (ends_[node] >= 0) fn(i + 1, uint32_t(ends_[node]));
    }
  }

 private:
  static uint64_t key(uint32_t node, uint8_t byte) { return uint64_t(node) << 8 | byte; }

  std::unordered_map<uint64_t, uint32_t> edges_;
  std::vector<int32_t> ends_;
};

class Unigram final : public Model {
 public:
  Unigram(const bj::object& config, const json::JsonPath& path);

  void tokenize(std::string_view sentence, std::vector<Token>& out) const override;
  std::optional<uint32_t> token_to_id(std::string_view token) const override {
    auto it = ids_.find(token);
    return it == ids_.end() ? std::nullopt : std::optional<uint32_t>(it->second);
  }
  std::optional<std::string_view> id_to_token(uint32_t id) const override {
    if (id >= pieces_.size()) return std::nullopt;
    return pieces_[id];
  }
  size_t vocab_size() const override { return pieces_.size(); }

 private:
  // The best segmentation as [begin, end) byte ranges, unks fused.
  void segment(std::string_view sentence, std::vector<std::pair<uint32_t, uint32_t>>& pieces) const;

  std::vector<std::string> pieces_;
  std::vector<double> scores_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> ids_;
  PieceTrie trie_;
  std::optional<uint32_t> unk_id_;
  bool byte_fallback_ = false;
  double min_score_ = std::numeric_limits<double>::infinity();
};

Unigram::Unigram(const bj::object& config, const json::JsonPath& path) {
  json::JsonPath vocab_path = path / "vocab";
  const bj::array& vocab = json::as_array(json::require(config, "vocab", path), vocab_path);
  pieces_.reserve(vocab.size());
  scores_.reserve(vocab.size());
  for (size_t id = 0; id < vocab.size(); ++id) {
    json::JsonPath entry_path = vocab_path[id];
    const bj::array& entry = json::as_array(vocab[id], entry_path);
    if (entry.size() != 2) {
      throw Error(ErrorCode::invalid_argument, entry_path.str() + " must be a [piece, score] pair");
    }
    pieces_.emplace_back(json::as_string(entry[0], entry_path[0]));
    double score = json::as_double(entry[1], entry_path[1]);
    if (!std::isfinite(score)) throw Error(ErrorCode::invalid_argument, entry_path[1].str() + " must be a finite number");
    scores_.push_back(score);
    min_score_ = std::min(min_score_, score);
    // A repeated piece maps to its last id, as in HF; the trie, overwritten too, agrees.
    ids_[pieces_.back()] = uint32_t(id);
    trie_.insert(pieces_.back(), int32_t(id));
  }
  if (auto unk = json::get_optional_int(config, "unk_id", path)) {
    if (vocab.empty()) throw Error(ErrorCode::invalid_argument, vocab_path.str() + " is empty but unk_id is set");
    if (*unk < 0 || size_t(*unk) >= vocab.size()) {
      throw Error(ErrorCode::invalid_argument, (path / "unk_id").str() + " is " + std::to_string(*unk) +
                                                   ", outside the vocabulary of " + std::to_string(vocab.size()));
    }
    unk_id_ = uint32_t(*unk);
  }
  byte_fallback_ = json::get_bool(config, "byte_fallback", path, false);
}

void Unigram::segment(std::string_view sentence, std::vector<std::pair<uint32_t, uint32_t>>& pieces) const {
  struct Node {
    double score = 0;
    int64_t starts_at = -1;
    uint32_t id = 0;
  };
  thread_local std::vector<Node> best;
  best.assign(sentence.size() + 1, Node{});
  const double unk_score = min_score_ - kUnkPenalty;
  auto relax = [&](size_t end, size_t start, double score, uint32_t id) {
    Node& node = best[end];
    if (node.starts_at < 0 || score > node.score) node = {score, int64_t(start), id};
  };
  for (size_t start = 0; start < sentence.size();) {
    size_t char_length = size_t(utf8::sequence_length(uint8_t(sentence[start])));
    double so_far = best[start].score;
    bool covers_char = false;
    trie_.for_each_prefix(sentence.substr(start), [&](size_t length, uint32_t id) {
      relax(start + length, start, scores_[id] + so_far, id);
      covers_char = covers_char || length == char_length;
    });
    if (!covers_char) relax(start + char_length, start, unk_score + so_far, unk_id_.value_or(0));
    start += char_length;
  }
  pieces.clear();
  bool in_unk_run = false;
  for (size_t end = sentence.size(); end > 0;) {
    const Node& node = best[end];
    size_t start = size_t(node.starts_at);
    bool is_unk = unk_id_ && node.id == *unk_id_;
    if (is_unk && in_unk_run) {
      pieces.back().first = uint32_t(start);
    } else {
      pieces.emplace_back(uint32_t(start), uint32_t(end));
    }
    in_unk_run = is_unk;
    end = start;
  }
  std::reverse(pieces.begin(), pieces.end());
}

void Unigram::tokenize(std::string_view sentence, std::vector<Token>& out) const {
  if (sentence.empty()) return;
  thread_local std::vector<std::pair<uint32_t, uint32_t>> pieces;
  segment(sentence, pieces);
  for (auto [begin, end] : pieces) {
    Offsets offsets{begin, end};
    std::string_view piece = sentence.substr(begin, end - begin);
    if (auto id = token_to_id(piece)) {
      out.push_back({*id, offsets});
      continue;
    }
    if (byte_fallback_) {
      size_t first = out.size();
      bool complete = true;
      for (char byte : piece) {
        auto id = token_to_id(byte_fallback_token(uint8_t(byte)));
        if (!id) {
          complete = false;
          break;
        }
        out.push_back({*id, offsets});  // every byte token carries the whole piece's offsets
      }
      if (complete) continue;
      out.resize(first);
    }
    if (!unk_id_) {
      throw Error(ErrorCode::invalid_argument,
                  "tokenizer.json: model.unk_id is not set, and the input has text no piece covers");
    }
    out.push_back({*unk_id_, offsets});
  }
}

}  // namespace

std::unique_ptr<Model> make_unigram(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<Unigram>(config, path);
}

}  // namespace gatehouse::tokenizer::models
