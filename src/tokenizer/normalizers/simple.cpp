// The normalizers that are one rule each: NFC / NFD / NFKC / NFKD, Lowercase, StripAccents, Strip,
// Prepend and Nmt (tk/normalizers/{unicode,strip,prepend}.rs and utils.rs).
#include <boost/json/value.hpp>

#include "base/unicode.h"
#include "tokenizer/normalizers/builders.h"
#include "tokenizer/normalizers/char_edits.h"

namespace gatehouse::tokenizer::normalizers {
namespace {

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(UnicodeForm form) : form_(form) {}
  void normalize(NormalizedString& text) const override { normalize_unicode(text, form_); }

 private:
  UnicodeForm form_;
};

class Lowercase final : public Normalizer {
 public:
  void normalize(NormalizedString& text) const override { lowercase(text); }
};

class StripAccents final : public Normalizer {
 public:
  void normalize(NormalizedString& text) const override { strip_marks(text); }
};

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}

  void normalize(NormalizedString& text) const override {
    size_t leading = 0, trailing = 0, chars = 0;
    bool seen_text = false;
    for_each_char(text.get(), [&](char32_t c) {
      ++chars;
      bool space = unicode::is_white_space(c);
      if (!space) seen_text = true;
      if (space && !seen_text) ++leading;
      trailing = space ? trailing + 1 : 0;
    });
    if (!left_) leading = 0;
    if (!right_) trailing = 0;
    if (leading == 0 && trailing == 0) return;
    CharEdits edits;
    size_t index = 0;
    for_each_char(text.get(), [&](char32_t c) {
      if (index < leading || index + trailing >= chars) {
        edits.remove();
      } else {
        edits.replace(c);
      }
      ++index;
    });
    edits.apply(text);
  }

 private:
  bool left_, right_;
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(NormalizedString& text) const override {
    if (!text.empty()) text.prepend(prefix_);
  }

 private:
  std::string prefix_;
};

// SentencePiece's NMT rules: drop some control chars, map others (and U+2581) to a space.
class Nmt final : public Normalizer {
 public:
  void normalize(NormalizedString& text) const override {
    bool changed = false;
    for_each_char(text.get(), [&](char32_t c) { changed = changed || is_removed(c) || is_spaced(c); });
    if (!changed) return;
    CharEdits edits;
    for_each_char(text.get(), [&](char32_t c) {
      if (is_removed(c)) {
        edits.remove();
      } else {
        edits.replace(is_spaced(c) ? U' ' : c);
      }
    });
    edits.apply(text);
  }

 private:
  static bool is_removed(char32_t c) {
    return (c >= 0x01 && c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || c == 0x8F || c == 0x9F;
  }
  static bool is_spaced(char32_t c) {
    return c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D || c == 0x1680 || (c >= 0x200B && c <= 0x200F) ||
           c == 0x2028 || c == 0x2029 || c == 0x2581 || c == 0xFEFF || c == 0xFFFD;
  }
};

}  // namespace

std::unique_ptr<Normalizer> make_unicode_form(UnicodeForm form) { return std::make_unique<UnicodeNormalizer>(form); }

std::unique_ptr<Normalizer> make_lowercase(const bj::object&, const json::JsonPath&) {
  return std::make_unique<Lowercase>();
}

std::unique_ptr<Normalizer> make_strip_accents(const bj::object&, const json::JsonPath&) {
  return std::make_unique<StripAccents>();
}

std::unique_ptr<Normalizer> make_strip(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<Strip>(json::as_bool(json::require(config, "strip_left", path), path / "strip_left"),
                                 json::as_bool(json::require(config, "strip_right", path), path / "strip_right"));
}

std::unique_ptr<Normalizer> make_prepend(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<Prepend>(std::string(json::as_string(json::require(config, "prepend", path), path / "prepend")));
}

std::unique_ptr<Normalizer> make_nmt(const bj::object&, const json::JsonPath&) { return std::make_unique<Nmt>(); }

}  // namespace gatehouse::tokenizer::normalizers
