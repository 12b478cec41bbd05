// WordPiece: greedy longest-match-first over the vocabulary, continuation pieces spelled with a
// prefix ("##"), as BERT does (tk/models/wordpiece/mod.rs). A word longer than
// max_input_chars_per_word, or one with a piece no vocabulary entry covers, becomes one unk token.
#include <boost/json.hpp>

#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/models/builders.h"
#include "tokenizer/models/vocabulary.h"

namespace gatehouse::tokenizer::models {
namespace {

namespace bj = boost::json;

class WordPiece final : public Model {
 public:
  WordPiece(const bj::object& config, const json::JsonPath& path)
      : vocab_(json::require(config, "vocab", path), path / "vocab"),
        unk_token_(json::get_string(config, "unk_token", path, "[UNK]")),
        prefix_(json::get_string(config, "continuing_subword_prefix", path, "##")) {
    int64_t limit = json::get_int(config, "max_input_chars_per_word", path, 100);
    if (limit < 0) {
      throw Error(ErrorCode::invalid_argument, (path / "max_input_chars_per_word").str() + " must not be negative");
    }
    max_chars_ = size_t(limit);
  }

  void tokenize(std::string_view word, std::vector<Token>& out) const override {
    if (word.empty()) return;
    if (utf8::count_code_points(word) > max_chars_) return push_unk(word, out);
    size_t first = out.size();
    std::string candidate;
    for (size_t start = 0; start < word.size();) {
      size_t end = word.size();
      std::optional<uint32_t> id;
      while (start < end) {
        candidate.assign(start > 0 ? prefix_ : std::string());
        candidate.append(word.substr(start, end - start));
        if ((id = vocab_.find(candidate))) break;
        do --end; while (end > start && (uint8_t(word[end]) & 0xC0) == 0x80);  // one char back
      }
      if (!id) {
        out.resize(first);
        return push_unk(word, out);
      }
      out.push_back({*id, {uint32_t(start), uint32_t(end)}});
      start = end;
    }
  }

  std::optional<uint32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string_view> id_to_token(uint32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  void push_unk(std::string_view word, std::vector<Token>& out) const {
    auto id = vocab_.find(unk_token_);
    if (!id) {
      throw Error(ErrorCode::invalid_argument, "tokenizer.json: model.unk_token \"" + unk_token_ +
                                                   "\" is not in the vocabulary, and the input needs it");
    }
    out.push_back({*id, {0, uint32_t(word.size())}});
  }

  Vocabulary vocab_;
  std::string unk_token_;
  std::string prefix_;
  size_t max_chars_;
};

}  // namespace

std::unique_ptr<Model> make_word_piece(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<WordPiece>(config, path);
}

}  // namespace gatehouse::tokenizer::models
