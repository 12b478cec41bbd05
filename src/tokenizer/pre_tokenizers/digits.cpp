// Digits: isolates numeric chars (char::is_numeric: Nd, Nl, No), one by one when
// individual_digits, else as runs (tk/pre_tokenizers/digits.rs).
#include "tokenizer/pre_tokenizers/builders.h"
#include "tokenizer/pre_tokenizers/char_split.h"

namespace gatehouse::tokenizer::pre_tokenizers {
namespace {

class Digits final : public PreTokenizer {
 public:
  explicit Digits(bool individual) : behavior_(individual ? SplitBehavior::isolated : SplitBehavior::contiguous) {}

  void pre_tokenize(PreTokenizedString& text) const override {
    regex::Matches scratch;
    text.split([&](size_t, const NormalizedString& piece, std::vector<NormalizedString>& out) {
      split_chars(piece, is_numeric, behavior_, scratch, out);
    });
  }

 private:
  SplitBehavior behavior_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_digits(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<Digits>(require_bool(config, "individual_digits", path));
}

}  // namespace gatehouse::tokenizer::pre_tokenizers
