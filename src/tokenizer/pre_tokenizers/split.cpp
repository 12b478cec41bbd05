// Split: splits on the matches of a pattern ({"String": literal} or {"Regex": Oniguruma regex})
// with a SplitBehavior; `invert` makes the gaps the delimiters (tk/pre_tokenizers/split.rs).
#include <boost/json/value.hpp>

#include "base/error.h"
#include "tokenizer/pre_tokenizers/builders.h"
#include "tokenizer/regex/pattern_json.h"

namespace gatehouse::tokenizer::pre_tokenizers {
namespace {

class Split final : public PreTokenizer {
 public:
  Split(Regex regex, SplitBehavior behavior, bool invert)
      : regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}

  void pre_tokenize(PreTokenizedString& text) const override {
    regex::Matches matches;
    text.split([&](size_t, const NormalizedString& piece, std::vector<NormalizedString>& out) {
      matches.clear();
      regex_.find_matches(piece.get(), matches);
      split_by_matches(piece, matches, behavior_, invert_, out);
    });
  }

 private:
  Regex regex_;
  SplitBehavior behavior_;
  bool invert_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_split(const bj::object& config, const json::JsonPath& path) {
  Regex regex = regex_from_pattern_json(json::require(config, "pattern", path), path / "pattern");
  SplitBehavior behavior = parse_behavior(json::require(config, "behavior", path), path / "behavior");
  return std::make_unique<Split>(std::move(regex), behavior, require_bool(config, "invert", path));
}

}  // namespace gatehouse::tokenizer::pre_tokenizers
