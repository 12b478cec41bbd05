// BertPreTokenizer: splits on whitespace (dropped), then isolates punctuation
// (tk/pre_tokenizers/bert.rs).
#include "base/unicode.h"
#include "tokenizer/pre_tokenizers/builders.h"
#include "tokenizer/pre_tokenizers/char_split.h"

namespace gatehouse::tokenizer::pre_tokenizers {
namespace {

class Bert final : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& text) const override {
    regex::Matches scratch;
    text.split([&](size_t, const NormalizedString& piece, std::vector<NormalizedString>& out) {
      split_chars(piece, unicode::is_white_space, SplitBehavior::removed, scratch, out);
    });
    text.split([&](size_t, const NormalizedString& piece, std::vector<NormalizedString>& out) {
      split_chars(piece, is_punctuation, SplitBehavior::isolated, scratch, out);
    });
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> make_bert(const bj::object&, const json::JsonPath&) { return std::make_unique<Bert>(); }

}  // namespace gatehouse::tokenizer::pre_tokenizers
