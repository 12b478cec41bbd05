// Punctuation: splits at every punctuation char (ASCII punctuation or Unicode P*) with the
// configured behavior, Isolated by default (tk/pre_tokenizers/punctuation.rs).
#include <boost/json/value.hpp>

#include "tokenizer/pre_tokenizers/builders.h"
#include "tokenizer/pre_tokenizers/char_split.h"

namespace gatehouse::tokenizer::pre_tokenizers {
namespace {

class Punctuation final : public PreTokenizer {
 public:
  explicit Punctuation(SplitBehavior behavior) : behavior_(behavior) {}

  void pre_tokenize(PreTokenizedString& text) const override {
    regex::Matches scratch;
    text.split([&](size_t, const NormalizedString& piece, std::vector<NormalizedString>& out) {
      split_chars(piece, is_punctuation, behavior_, scratch, out);
    });
  }

 private:
  SplitBehavior behavior_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_punctuation(const bj::object& config, const json::JsonPath& path) {
  const bj::value* behavior = config.if_contains("behavior");
  return std::make_unique<Punctuation>(behavior ? parse_behavior(*behavior, path / "behavior")
                                                : SplitBehavior::isolated);
}

}  // namespace gatehouse::tokenizer::pre_tokenizers
