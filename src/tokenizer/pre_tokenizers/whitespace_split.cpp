// WhitespaceSplit: splits on every char::is_whitespace char and drops it
// (tk/pre_tokenizers/whitespace.rs).
#include "base/unicode.h"
#include "tokenizer/pre_tokenizers/builders.h"
#include "tokenizer/pre_tokenizers/char_split.h"

namespace gatehouse::tokenizer::pre_tokenizers {
namespace {

class WhitespaceSplit final : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& text) const override {
    regex::Matches scratch;
    text.split([&](size_t, const NormalizedString& piece, std::vector<NormalizedString>& out) {
      split_chars(piece, unicode::is_white_space, SplitBehavior::removed, scratch, out);
    });
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> make_whitespace_split(const bj::object&, const json::JsonPath&) {
  return std::make_unique<WhitespaceSplit>();
}

}  // namespace gatehouse::tokenizer::pre_tokenizers
