// WordLevel: each pre-token is looked up whole; anything else is the unk token
// (tk/models/wordlevel/mod.rs).
#include <boost/json.hpp>

#include "base/error.h"
#include "tokenizer/models/builders.h"
#include "tokenizer/models/vocabulary.h"

namespace gatehouse::tokenizer::models {
namespace {

namespace bj = boost::json;

class WordLevel final : public Model {
 public:
  WordLevel(const bj::object& config, const json::JsonPath& path)
      : vocab_(json::require(config, "vocab", path), path / "vocab"),
        unk_token_(json::get_string(config, "unk_token", path, "<unk>")) {}

  void tokenize(std::string_view word, std::vector<Token>& out) const override {
    auto id = vocab_.find(word);
    if (!id) id = vocab_.find(unk_token_);
    if (!id) {
      throw Error(ErrorCode::invalid_argument, "tokenizer.json: model.unk_token \"" + unk_token_ +
                                                   "\" is not in the vocabulary, and the input needs it");
    }
    out.push_back({*id, {0, uint32_t(word.size())}});
  }

  std::optional<uint32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string_view> id_to_token(uint32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  Vocabulary vocab_;
  std::string unk_token_;
};

}  // namespace

std::unique_ptr<Model> make_word_level(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<WordLevel>(config, path);
}

}  // namespace gatehouse::tokenizer::models
