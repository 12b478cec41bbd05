// Metaspace: replaces ' ' with the replacement char (▁), prepends one per prepend_scheme, and
// splits before each replacement char when `split` (tk/pre_tokenizers/metaspace.rs).
#include <boost/json/value.hpp>

#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/pre_tokenizers/builders.h"
#include "tokenizer/pre_tokenizers/char_split.h"

namespace gatehouse::tokenizer::pre_tokenizers {
namespace {

enum class PrependScheme { always, first, never };

class Metaspace final : public PreTokenizer {
 public:
  Metaspace(char32_t replacement, PrependScheme scheme, bool split)
      : replacement_(replacement), replacement_utf8_(utf8::encode(replacement)), scheme_(scheme), split_(split) {}

  void pre_tokenize(PreTokenizedString& text) const override {
    regex::Matches scratch;
    std::vector<CharChange> changes;
    text.split([&](size_t, const NormalizedString& piece, std::vector<NormalizedString>& out) {
      NormalizedString s = piece;
      replace_spaces(s, changes);
      // "first" prepends only to the split that starts the input (HF looks at original offset 0).
      bool prepend = scheme_ == PrependScheme::always ||
                     (scheme_ == PrependScheme::first && s.original_offsets().begin == 0);
      if (prepend && !s.get().starts_with(replacement_utf8_)) s.prepend(replacement_utf8_);
      if (split_) {
        split_chars(s, [this](char32_t c) { return c == replacement_; }, SplitBehavior::merged_with_next, scratch,
                    out);
      } else {
        out.push_back(std::move(s));
      }
    });
  }

 private:
  void replace_spaces(NormalizedString& s, std::vector<CharChange>& changes) const {
    const std::string& text = s.get();
    if (text.find(' ') == std::string::npos) return;
    changes.clear();
    for (size_t pos = 0; pos < text.size();) {
      int length;
      char32_t c = regex::decode(text.data() + pos, length);
      changes.push_back({c == ' ' ? replacement_ : c, 0});
      pos += size_t(length);
    }
    s.transform(changes, 0);
  }

  char32_t replacement_;
  std::string replacement_utf8_;
  PrependScheme scheme_;
  bool split_;
};

PrependScheme parse_scheme(const bj::object& config, const json::JsonPath& path) {
  const bj::value* value = config.if_contains("prepend_scheme");
  if (!value) return PrependScheme::always;
  std::string_view name = json::as_string(*value, path / "prepend_scheme");
  if (name == "always") return PrependScheme::always;
  if (name == "first") return PrependScheme::first;
  if (name == "never") return PrependScheme::never;
  throw Error(ErrorCode::invalid_argument, (path / "prepend_scheme").str() + " is \"" + std::string(name) +
                                               "\"; expected \"first\", \"always\" or \"never\"");
}

}  // namespace

std::unique_ptr<PreTokenizer> make_metaspace(const bj::object& config, const json::JsonPath& path) {
  char32_t replacement = require_char(config, "replacement", path);
  PrependScheme scheme = parse_scheme(config, path);
  // Legacy files say add_prefix_space instead; false is only consistent with "never".
  const bj::value* legacy = json::find(config, "add_prefix_space");
  if (legacy && !json::as_bool(*legacy, path / "add_prefix_space")) {
    if (scheme != PrependScheme::never) {
      throw Error(ErrorCode::invalid_argument,
                  (path / "add_prefix_space").str() +
                      " is false but prepend_scheme is not \"never\"; drop add_prefix_space or set "
                      "prepend_scheme to \"never\"");
    }
  }
  bool split = json::get_bool(config, "split", path, true);
  return std::make_unique<Metaspace>(replacement, scheme, split);
}

}  // namespace gatehouse::tokenizer::pre_tokenizers
