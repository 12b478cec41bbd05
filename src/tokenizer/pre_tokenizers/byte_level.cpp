// ByteLevel: optionally prepends a space, splits with GPT-2's pattern (use_regex), then rewrites
// every byte as its byte-level alphabet char (tk/pre_tokenizers/byte_level.rs). trim_offsets only
// matters to the post-processor.
#include <boost/json/value.hpp>

#include "tokenizer/byte_level_alphabet.h"
#include "tokenizer/pre_tokenizers/builders.h"
#include "tokenizer/regex/regex.h"

namespace gatehouse::tokenizer::pre_tokenizers {
namespace {

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), regex_(use_regex ? std::optional<Regex>(Regex(std::string(byte_level::kGpt2Pattern))) : std::nullopt) {}

  void pre_tokenize(PreTokenizedString& text) const override {
    regex::Matches matches;
    text.split([&](size_t, const NormalizedString& piece, std::vector<NormalizedString>& out) {
      NormalizedString s = piece;
      if (add_prefix_space_ && !s.get().starts_with(' ')) s.prepend(" ");
      if (!regex_) return out.push_back(std::move(s));
      matches.clear();
      regex_->find_matches(s.get(), matches);
      split_by_matches(s, matches, SplitBehavior::isolated, false, out);
    });
    std::vector<CharChange> changes;
    text.normalize([&](NormalizedString& s) {
      changes.clear();
      const std::string& bytes = s.get();
      for (size_t i = 0; i < bytes.size(); ++i) {
        bool continuation = (uint8_t(bytes[i]) & 0xC0) == 0x80;
        changes.push_back({byte_level::char_of_byte(uint8_t(bytes[i])), continuation ? 1 : 0});
      }
      s.transform(changes, 0);
    });
  }

 private:
  bool add_prefix_space_;
  std::optional<Regex> regex_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_byte_level(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<ByteLevel>(json::get_bool(config, "add_prefix_space", path, true),
                                     json::get_bool(config, "use_regex", path, true));
}

}  // namespace gatehouse::tokenizer::pre_tokenizers
