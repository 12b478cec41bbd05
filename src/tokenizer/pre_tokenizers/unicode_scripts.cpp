// UnicodeScripts: splits where the script changes, SentencePiece-style: Hiragana, Katakana and
// U+30FC count as Han, and ' ' (script "Any") joins either side
// (tk/pre_tokenizers/unicode_scripts/pre_tokenizer.rs).
#include <algorithm>

#include "tokenizer/pre_tokenizers/builders.h"
#include "tokenizer/pre_tokenizers/unicode_scripts_generated.h"
#include "tokenizer/regex/code_point.h"

namespace gatehouse::tokenizer::pre_tokenizers {
namespace {

Script script_of(char32_t c) {
  if (c == 0x30FC) return Script::kHan;
  if (c == ' ') return Script::kAny;
  const ScriptRange* end = std::end(kScriptRanges);
  const ScriptRange* it =
      std::upper_bound(std::begin(kScriptRanges), end, c, [](char32_t cp, const ScriptRange& r) { return cp < r.first; });
  if (it == std::begin(kScriptRanges) || (--it)->last < c) return Script::kAny;
  if (it->script == Script::kHiragana || it->script == Script::kKatakana) return Script::kHan;
  return it->script;
}

class UnicodeScripts final : public PreTokenizer {
 public:
  // Like HF, a cut is made before a char whose script differs from the last non-Any script, and
  // the text before the first non-Any char is dropped (it only holds spaces).
  void pre_tokenize(PreTokenizedString& text) const override {
    text.split([&](size_t, const NormalizedString& piece, std::vector<NormalizedString>& out) {
      const std::string& s = piece.get();
      size_t cut = std::string::npos;
      bool have_last = false;
      Script last = Script::kAny;
      for (size_t pos = 0; pos < s.size();) {
        int length;
        Script script = script_of(regex::decode(s.data() + pos, length));
        if (script != Script::kAny) {
          if (!have_last || last != script) {
            if (cut != std::string::npos) out.push_back(piece.slice(cut, pos));
            cut = pos;
          }
          last = script;
          have_last = true;
        }
        pos += size_t(length);
      }
      if (cut != std::string::npos) out.push_back(piece.slice(cut, s.size()));
    });
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> make_unicode_scripts(const bj::object&, const json::JsonPath&) {
  return std::make_unique<UnicodeScripts>();
}

}  // namespace gatehouse::tokenizer::pre_tokenizers
