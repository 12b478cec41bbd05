// BertNormalizer: cleans control chars, spaces out CJK ideographs, strips accents and lowercases,
// each step optional (tk/normalizers/bert.rs).
#include <boost/json/value.hpp>
#include <utf8proc.h>

#include "base/unicode.h"
#include "tokenizer/normalizers/builders.h"
#include "tokenizer/normalizers/char_edits.h"

namespace gatehouse::tokenizer::normalizers {
namespace {

// BERT's control test: \t \n \r are whitespace, not control; otherwise general category C*.
bool is_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  switch (utf8proc_category(utf8proc_int32_t(c))) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CS: return true;
    default: return false;
  }
}

bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

class BertNormalizer final : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool handle_chinese_chars, bool strip_accents, bool lowercase)
      : clean_text_(clean_text), chinese_(handle_chinese_chars), strip_accents_(strip_accents), lowercase_(lowercase) {}

  void normalize(NormalizedString& text) const override {
    if (clean_text_) clean(text);
    if (chinese_) space_chinese(text);
    if (strip_accents_) {
      normalize_unicode(text, UnicodeForm::nfd);
      strip_marks(text);
    }
    if (lowercase_) lowercase(text);
  }

 private:
  static void clean(NormalizedString& text) {
    auto removed = [](char32_t c) { return c == 0 || c == 0xFFFD || is_control(c); };
    auto spaced = [](char32_t c) { return c != ' ' && (c == '\t' || c == '\n' || c == '\r' || unicode::is_white_space(c)); };
    bool changed = false;
    for_each_char(text.get(), [&](char32_t c) { changed = changed || removed(c) || spaced(c); });
    if (!changed) return;
    CharEdits edits;
    for_each_char(text.get(), [&](char32_t c) {
      if (removed(c)) {
        edits.remove();
      } else {
        edits.replace(spaced(c) ? U' ' : c);
      }
    });
    edits.apply(text);
  }

  static void space_chinese(NormalizedString& text) {
    bool any = false;
    for_each_char(text.get(), [&](char32_t c) { any = any || is_chinese_char(c); });
    if (!any) return;
    CharEdits edits;
    for_each_char(text.get(), [&](char32_t c) {
      if (!is_chinese_char(c)) return edits.replace(c);
      edits.replace(U' ');
      edits.insert(c);
      edits.insert(U' ');
    });
    edits.apply(text);
  }

  bool clean_text_, chinese_, strip_accents_, lowercase_;
};

}  // namespace

std::unique_ptr<Normalizer> make_bert(const bj::object& config, const json::JsonPath& path) {
  bool lowercase = json::get_bool(config, "lowercase", path, true);
  // strip_accents: null means "follow lowercase", as in the original BERT.
  bool strip_accents = json::get_bool(config, "strip_accents", path, lowercase);
  return std::make_unique<BertNormalizer>(json::get_bool(config, "clean_text", path, true),
                                          json::get_bool(config, "handle_chinese_chars", path, true), strip_accents,
                                          lowercase);
}

}  // namespace gatehouse::tokenizer::normalizers
