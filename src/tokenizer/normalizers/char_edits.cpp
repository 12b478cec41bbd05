#include "tokenizer/normalizers/char_edits.h"

#include <utf8proc.h>

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

bool is_starter(char32_t c) { return utf8proc_get_property(utf8proc_int32_t(c))->combining_class == 0; }

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

// The whole text is normalized at once (so the result is exact); alignments come from cutting it
// at starters, merging pieces where a cut would change the result (Hangul jamo, composing
// starters). Each piece's output chars are aligned to its input chars.
void normalize_unicode(NormalizedString& text, UnicodeForm form) {
  const std::string& input = text.get();
  utf8proc_option_t options = options_of(form);
  std::string whole = normalize_utf8(input, options);
  if (whole == input) return;
  CharEdits edits;
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
      std::string piece = normalize_utf8(std::string_view(input).substr(piece_start, pos - piece_start), options);
      if (whole.compare(out_pos, piece.size(), piece) == 0) close_piece(pos, piece);
    }
    ++piece_chars;
    pos += size_t(length);
  }
  close_piece(input.size(), std::string_view(whole).substr(out_pos));
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
