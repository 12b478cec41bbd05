#include "tokenizer/normalizers/char_edits.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "base/error.h"
#include "tokenizer/normalizers/builders.h"

namespace gatehouse::tokenizer::normalizers {
namespace {

utf8proc_option_t options_of(UnicodeForm form) {
  switch (form) {
    case UnicodeForm::nfc: return utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    case UnicodeForm::nfd: return utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
    case UnicodeForm::nfkc: return utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
    case UnicodeForm::nfkd: return utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
  }
  return UTF8PROC_STABLE;
}

std::string normalize_utf8(std::string_view text, utf8proc_option_t options) {
  if (text.empty()) return {};
  utf8proc_uint8_t* result = nullptr;
  utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()), utf8proc_ssize_t(text.size()), &result, options);
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(result, &std::free);
  if (length < 0) throw Error(ErrorCode::invalid_argument, std::string("Unicode normalization failed: ") + utf8proc_errmsg(length));
  return std::string(reinterpret_cast<const char*>(result), size_t(length));
}

// A char no normalization form changes, that no earlier char composes with and that reorders with
// nothing: a starter with no decomposition that is not the second char of any composition
// (utf8proc: comb_index UINT16_MAX or a first-char index below 0x8000), and not Hangul, which
// composes algorithmically. Normalization never reaches back across such a char, so text can be
// normalized in spans that start at one (it may still compose with the marks after it: ASCII
// letters do) and spans of them alone stay as they are.
bool is_inert(char32_t c) {
  if (c < 0x80) return true;
  if ((c >= 0x1100 && c <= 0x11FF) || (c >= 0xAC00 && c <= 0xD7A3)) return false;
  const utf8proc_property_t* property = utf8proc_get_property(utf8proc_int32_t(c));
  return property->combining_class == 0 && property->decomp_seqindex == UINT16_MAX &&
         (property->comb_index == UINT16_MAX || property->comb_index < 0x8000);
}

bool is_starter(char32_t c) { return utf8proc_get_property(utf8proc_int32_t(c))->combining_class == 0; }

// The byte ranges normalization may change: each run of chars that are not inert, with the char
// before it (marks may compose with it).
std::vector<std::pair<size_t, size_t>> unstable_spans(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> spans;
  size_t span_start = std::string_view::npos;
  size_t previous = 0;
  for (size_t pos = 0; pos < text.size();) {
    unsigned char lead = static_cast<unsigned char>(text[pos]);
    int length = 1;
    bool inert = lead < 0x80 || is_inert(regex::decode(text.data() + pos, length));
    if (!inert && span_start == std::string_view::npos) {
      span_start = spans.empty() ? previous : std::max(previous, spans.back().second);
    }
    if (inert && span_start != std::string_view::npos) {
      spans.emplace_back(span_start, pos);
      span_start = std::string_view::npos;
    }
    previous = pos;
    pos += size_t(length);
  }
  if (span_start != std::string_view::npos) spans.emplace_back(span_start, text.size());
  return spans;
}

void keep_chars(std::string_view text, CharEdits& edits) {
  for_each_char(text, [&](char32_t c) { edits.replace(c); });
}

// Edits turning `input` into its normalization `whole`: the whole span is normalized at once (so
// the result is exact); alignments come from cutting it at starters, merging pieces where a cut
// would change the result (Hangul jamo, composing starters). Each piece's output chars are aligned
// to its input chars.
void align_normalized(std::string_view input, std::string_view whole, utf8proc_option_t options, CharEdits& edits) {
  size_t out_pos = 0;
  size_t piece_start = 0;
  int piece_chars = 0;
  auto close_piece = [&](size_t end, std::string_view output) {
    edits.rewrite(output, piece_chars);
    out_pos += output.size();
    piece_start = end;
    piece_chars = 0;
  };
  for (size_t pos = 0; pos < input.size();) {
    int length;
    char32_t c = regex::decode(input.data() + pos, length);
    if (pos > piece_start && is_starter(c)) {
      std::string piece = normalize_utf8(input.substr(piece_start, pos - piece_start), options);
      if (whole.compare(out_pos, piece.size(), piece) == 0) close_piece(pos, piece);
    }
    ++piece_chars;
    pos += size_t(length);
  }
  close_piece(input.size(), whole.substr(out_pos));
}

// HF strips nonspacing marks only: spacing marks (Mc, as in Devanagari vowel signs) stay.
bool is_mark(char32_t c) { return utf8proc_category(utf8proc_int32_t(c)) == UTF8PROC_CATEGORY_MN; }

}  // namespace

void CharEdits::rewrite(std::string_view output, int input_chars) {
  int produced = 0;
  for_each_char(output, [&](char32_t c) {
    if (produced++ < input_chars) {
      replace(c);
    } else {
      insert(c);
    }
  });
  if (produced < input_chars) remove(input_chars - produced);
}

void append_lowercase(char32_t c, std::u32string& out) {
  if (c == 0x130) {  // the one unconditional multi-char lowercase mapping (SpecialCasing.txt)
    out += U"i\u0307";
    return;
  }
  out += char32_t(utf8proc_tolower(utf8proc_int32_t(c)));
}

// Only the spans of chars that are not inert are normalized (by utf8proc); the text is left
// alone when none of them changes.
void normalize_unicode(NormalizedString& text, UnicodeForm form) {
  const std::string_view input = text.get();
  utf8proc_option_t options = options_of(form);
  std::vector<std::pair<size_t, size_t>> spans = unstable_spans(input);
  std::vector<std::string> normalized;
  bool changed = false;
  for (auto [begin, end] : spans) {
    normalized.push_back(normalize_utf8(input.substr(begin, end - begin), options));
    changed = changed || normalized.back() != input.substr(begin, end - begin);
  }
  if (!changed) return;
  CharEdits edits;
  size_t pos = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    auto [begin, end] = spans[i];
    keep_chars(input.substr(pos, begin - pos), edits);
    std::string_view span = input.substr(begin, end - begin);
    if (normalized[i] == span) {
      keep_chars(span, edits);
    } else {
      align_normalized(span, normalized[i], options, edits);
    }
    pos = end;
  }
  keep_chars(input.substr(pos), edits);
  edits.apply(text);
}

void strip_marks(NormalizedString& text) {
  bool any = false;
  for_each_char(text.get(), [&](char32_t c) { any = any || is_mark(c); });
  if (!any) return;
  CharEdits edits;
  for_each_char(text.get(), [&](char32_t c) {
    if (is_mark(c)) {
      edits.remove();
    } else {
      edits.replace(c);
    }
  });
  edits.apply(text);
}

void lowercase(NormalizedString& text) {
  std::u32string lowered;
  bool changed = false;
  CharEdits edits;
  for_each_char(text.get(), [&](char32_t c) {
    lowered.clear();
    append_lowercase(c, lowered);
    changed = changed || lowered.size() != 1 || lowered[0] != c;
    for (size_t i = 0; i < lowered.size(); ++i) {
      if (i == 0) {
        edits.replace(lowered[i]);
      } else {
        edits.insert(lowered[i]);
      }
    }
  });
  if (changed) edits.apply(text);
}

}  // namespace gatehouse::tokenizer::normalizers
