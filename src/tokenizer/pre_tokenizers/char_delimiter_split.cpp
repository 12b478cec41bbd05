// CharDelimiterSplit: splits on one delimiter char and drops it (tk/pre_tokenizers/delimiter.rs).
#include "tokenizer/pre_tokenizers/builders.h"
#include "tokenizer/pre_tokenizers/char_split.h"

namespace gatehouse::tokenizer::pre_tokenizers {
namespace {

class CharDelimiterSplit final : public PreTokenizer {
 public:
  explicit CharDelimiterSplit(char32_t delimiter) : delimiter_(delimiter) {}

  void pre_tokenize(PreTokenizedString& text) const override {
    regex::Matches scratch;
    text.split([&](size_t, const NormalizedString& piece, std::vector<NormalizedString>& out) {
      split_chars(piece, [this](char32_t c) { return c == delimiter_; }, SplitBehavior::removed, scratch, out);
    });
  }

 private:
  char32_t delimiter_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_char_delimiter_split(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<CharDelimiterSplit>(require_char(config, "delimiter", path));
}

}  // namespace gatehouse::tokenizer::pre_tokenizers
