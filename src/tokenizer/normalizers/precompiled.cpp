// Precompiled: SentencePiece's compiled normalization rules (the "precompiled_charsmap" of
// T5, ALBERT, XLM-R...). The blob is a little-endian trie size, a darts-clone double-array trie
// over UTF-8 keys, then the NUL-separated replacement strings (tk/normalizers/precompiled.rs
// and the spm_precompiled crate). HF looks up each grapheme shorter than 6 bytes whole and
// otherwise each char, taking the first (shortest) prefix match: odd, but it is what models were
// trained with.
#include <boost/json/value.hpp>
#include <utf8proc.h>

#include "base/base64.h"
#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/normalizers/builders.h"
#include "tokenizer/normalizers/char_edits.h"

namespace gatehouse::tokenizer::normalizers {
namespace {

class CharsMap {
 public:
  CharsMap(std::string_view blob, const json::JsonPath& path) {
    auto fail = [&](const std::string& what) {
      throw Error(ErrorCode::invalid_argument, path.str() + " is not a valid SentencePiece charsmap: " + what);
    };
    if (blob.size() < 4) fail("it is shorter than its 4-byte header");
    uint32_t trie_bytes = uint32_t(uint8_t(blob[0])) | uint32_t(uint8_t(blob[1])) << 8 |
                          uint32_t(uint8_t(blob[2])) << 16 | uint32_t(uint8_t(blob[3])) << 24;
    if (trie_bytes % 4 != 0 || trie_bytes > blob.size() - 4) fail("the trie size in its header is wrong");
    units_.resize(trie_bytes / 4);
    for (size_t i = 0; i < units_.size(); ++i) {
      const char* p = blob.data() + 4 + i * 4;
      units_[i] = uint32_t(uint8_t(p[0])) | uint32_t(uint8_t(p[1])) << 8 | uint32_t(uint8_t(p[2])) << 16 |
                  uint32_t(uint8_t(p[3])) << 24;
    }
    if (units_.empty()) fail("its trie is empty");
    replacements_ = blob.substr(4 + trie_bytes);
    if (!utf8::is_valid(replacements_)) fail("its replacement strings are not UTF-8");
  }

  // The replacement for the shortest key that is a prefix of `text`, if any.
  std::optional<std::string_view> lookup(std::string_view text) const {
    size_t node = offset(units_[0]);
    for (char ch : text) {
      uint8_t byte = uint8_t(ch);
      if (byte == 0) break;
      node ^= byte;
      if (node >= units_.size()) return std::nullopt;
      uint32_t unit = units_[node];
      if (label(unit) != byte) return std::nullopt;
      node ^= offset(unit);
      if (node >= units_.size()) return std::nullopt;
      if ((unit >> 8) & 1) return replacement(units_[node] & ((1u << 31) - 1));
    }
    return std::nullopt;
  }

 private:
  static uint32_t label(uint32_t unit) { return unit & ((1u << 31) | 0xFF); }
  static size_t offset(uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }

  std::optional<std::string_view> replacement(size_t index) const {
    if (index >= replacements_.size()) return std::nullopt;
    size_t end = replacements_.find('\0', index);
    std::string_view text = replacements_.substr(index, end == std::string_view::npos ? end : end - index);
    if (!utf8::is_valid(text)) return std::nullopt;  // an index into the middle of a char
    return text;
  }

  std::vector<uint32_t> units_;
  std::string_view replacements_;  // views into Precompiled::blob_
};

class Precompiled final : public Normalizer {
 public:
  Precompiled(std::string blob, const json::JsonPath& path) : blob_(std::move(blob)), map_(blob_, path) {}

  void normalize(NormalizedString& text) const override {
    const std::string& input = text.get();
    CharEdits edits;
    bool modified = false;
    auto rewrite = [&](std::string_view part, std::string_view output) {
      int chars = 0;
      for_each_char(part, [&](char32_t) { ++chars; });
      edits.rewrite(output, chars);
      modified = true;
    };
    for_each_grapheme(input, [&](std::string_view grapheme) {
      if (grapheme.size() < 6) {
        if (auto output = map_.lookup(grapheme)) return rewrite(grapheme, *output);
      }
      for (size_t pos = 0; pos < grapheme.size();) {
        size_t length = size_t(utf8::sequence_length(uint8_t(grapheme[pos])));
        std::string_view part = grapheme.substr(pos, length);
        if (auto output = map_.lookup(part)) {
          rewrite(part, *output);
        } else {
          for_each_char(part, [&](char32_t c) { edits.replace(c); });
        }
        pos += length;
      }
    });
    if (modified) edits.apply(text);
  }

 private:
  // Extended grapheme clusters (UAX #29), as the unicode-segmentation crate finds them.
  template <class Fn>
  static void for_each_grapheme(std::string_view text, Fn&& fn) {
    utf8proc_int32_t state = 0;
    size_t start = 0;
    char32_t previous = 0;
    for (size_t pos = 0; pos < text.size();) {
      int length;
      char32_t c = regex::decode(text.data() + pos, length);
      if (pos > start && utf8proc_grapheme_break_stateful(utf8proc_int32_t(previous), utf8proc_int32_t(c), &state)) {
        fn(text.substr(start, pos - start));
        start = pos;
      }
      previous = c;
      pos += size_t(length);
    }
    if (start < text.size()) fn(text.substr(start));
  }

  std::string blob_;
  CharsMap map_;
};

class Identity final : public Normalizer {
 public:
  void normalize(NormalizedString&) const override {}
};

}  // namespace

std::unique_ptr<Normalizer> make_precompiled(const bj::object& config, const json::JsonPath& path) {
  json::JsonPath field = path / "precompiled_charsmap";
  const bj::value* value = json::find(config, "precompiled_charsmap");
  // Files converted from models without rules carry an empty map: HF then leaves text alone.
  if (!value || json::as_string(*value, field).empty()) return std::make_unique<Identity>();
  std::optional<std::string> blob = base64::decode(json::as_string(*value, field));
  if (!blob) throw Error(ErrorCode::invalid_argument, field.str() + " is not valid base64");
  return std::make_unique<Precompiled>(std::move(*blob), field);
}

}  // namespace gatehouse::tokenizer::normalizers
