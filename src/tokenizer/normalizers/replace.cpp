// Replace: every match of a pattern becomes `content` (tk/normalizers/replace.rs); the new chars
// are aligned to the whole match.
#include <boost/json/value.hpp>

#include "tokenizer/normalizers/builders.h"
#include "tokenizer/normalizers/char_edits.h"
#include "tokenizer/regex/pattern_json.h"

namespace gatehouse::tokenizer::normalizers {
namespace {

class Replace final : public Normalizer {
 public:
  Replace(Regex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}

  // One pass over the text: HF's transform_range per match, in a single change list.
  void normalize(NormalizedString& text) const override {
    thread_local regex::Matches matches;
    matches.clear();
    const std::string& input = text.get();
    pattern_.find_matches(input, matches);
    if (matches.empty()) return;
    CharEdits edits;
    size_t pos = 0;
    auto keep_until = [&](size_t end) {
      for_each_char(std::string_view(input).substr(pos, end - pos), [&](char32_t c) { edits.replace(c); });
    };
    for (auto [begin, end] : matches) {
      if (begin == end) continue;
      keep_until(begin);
      int removed = 0;
      for_each_char(std::string_view(input).substr(begin, end - begin), [&](char32_t) { ++removed; });
      edits.remove(removed);
      for_each_char(content_, [&](char32_t c) { edits.insert(c); });
      pos = end;
    }
    keep_until(input.size());
    edits.apply(text);
  }

 private:
  Regex pattern_;
  std::string content_;
};

}  // namespace

std::unique_ptr<Normalizer> make_replace(const bj::object& config, const json::JsonPath& path) {
  Regex pattern = regex_from_pattern_json(json::require(config, "pattern", path), path / "pattern");
  std::string content(json::as_string(json::require(config, "content", path), path / "content"));
  return std::make_unique<Replace>(std::move(pattern), std::move(content));
}

}  // namespace gatehouse::tokenizer::normalizers
