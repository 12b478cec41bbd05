#include <array>
#include <boost/json/value.hpp>

#include "base/error.h"
#include "tokenizer/component_factory.h"
#include "base/utf8.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/pre_tokenizers/builders.h"

namespace gatehouse::tokenizer {
namespace pre_tokenizers {

bool require_bool(const bj::object& config, std::string_view key, const json::JsonPath& path) {
  return json::as_bool(json::require(config, key, path), path / key);
}

SplitBehavior parse_behavior(const bj::value& value, const json::JsonPath& path) {
  static constexpr std::array<std::pair<std::string_view, SplitBehavior>, 5> kNames = {{
      {"Removed", SplitBehavior::removed},
      {"Isolated", SplitBehavior::isolated},
      {"MergedWithPrevious", SplitBehavior::merged_with_previous},
      {"MergedWithNext", SplitBehavior::merged_with_next},
      {"Contiguous", SplitBehavior::contiguous},
  }};
  std::string_view name = json::as_string(value, path);
  for (const auto& [known, behavior] : kNames) {
    if (known == name) return behavior;
  }
  throw Error(ErrorCode::invalid_argument,
              path.str() + " is \"" + std::string(name) +
                  "\"; expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous");
}

char32_t require_char(const bj::object& config, std::string_view key, const json::JsonPath& path) {
  std::string_view text = json::as_string(json::require(config, key, path), path / key);
  int length = 0;
  char32_t c = text.empty() ? 0 : utf8::decode(text, 0, length);
  if (text.empty() || size_t(length) != text.size()) {
    throw Error(ErrorCode::invalid_argument,
                (path / key).str() + " is \"" + std::string(text) + "\"; it must be exactly one character");
  }
  return c;
}

}  // namespace pre_tokenizers

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const boost::json::value& config, const json::JsonPath& path) {
  static constexpr BuilderTable<PreTokenizer, 12> kBuilders = {{
      {"BertPreTokenizer", pre_tokenizers::make_bert},
      {"ByteLevel", pre_tokenizers::make_byte_level},
      {"CharDelimiterSplit", pre_tokenizers::make_char_delimiter_split},
      {"Digits", pre_tokenizers::make_digits},
      {"FixedLength", pre_tokenizers::make_fixed_length},
      {"Metaspace", pre_tokenizers::make_metaspace},
      {"Punctuation", pre_tokenizers::make_punctuation},
      {"Sequence", pre_tokenizers::make_sequence},
      {"Split", pre_tokenizers::make_split},
      {"UnicodeScripts", pre_tokenizers::make_unicode_scripts},
      {"Whitespace", pre_tokenizers::make_whitespace},
      {"WhitespaceSplit", pre_tokenizers::make_whitespace_split},
  }};
  return build_by_type(kBuilders, config, path, "pre-tokenizer");
}

}  // namespace gatehouse::tokenizer
