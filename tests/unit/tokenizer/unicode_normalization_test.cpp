// normalize_unicode normalizes only the spans around chars that can change or combine; the result
// must equal normalizing the whole text at once. Random strings over a pool of the chars that
// matter (ASCII letters that compose, combining marks in and out of order, precomposed and
// compatibility chars, Hangul syllables and jamo, composition exclusions, astral chars) check it.
#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include "base/utf8.h"
#include "tokenizer/normalized_string.h"
#include "tokenizer/normalizers/char_edits.h"

namespace gatehouse::tokenizer::normalizers {
namespace {

std::string whole_text_normalization(const std::string& text, UnicodeForm form) {
  int options = UTF8PROC_STABLE;
  if (form == UnicodeForm::nfc || form == UnicodeForm::nfkc) options |= UTF8PROC_COMPOSE;
  if (form == UnicodeForm::nfd || form == UnicodeForm::nfkd) options |= UTF8PROC_DECOMPOSE;
  if (form == UnicodeForm::nfkc || form == UnicodeForm::nfkd) options |= UTF8PROC_COMPAT;
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                         utf8proc_ssize_t(text.size()), &out, utf8proc_option_t(options));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  return std::string(reinterpret_cast<const char*>(out), size_t(length));
}

TEST(UnicodeNormalization, SpanwiseEqualsWholeText) {
  const char32_t pool[] = {
      U'a', U'e', U'o', U'A', U' ', U'.', U'x',
      0x0301, 0x0300, 0x0308, 0x0327, 0x0323, 0x031B, 0x0345, 0x05B0, 0x093C,  // marks, various classes
      0x00E9, 0x00C5, 0x1E0B, 0x01D5, 0x212B, 0x2126, 0x0958, 0x0344,           // precomposed, singletons, exclusions
      0xFB01, 0x2460, 0x00BD, 0xFF21, 0x3300,                                   // compatibility
      0xAC00, 0xAC01, 0xD7A3, 0x1100, 0x1161, 0x11A8, 0x1175,                   // Hangul
      0x0B47, 0x0B3E, 0x0CC6, 0x0CD5, 0x0DD9, 0x0DCF, 0x1025, 0x102E,           // starters that compose
      0x4E2D, 0x0416, 0x1F600, 0x1D15E, 0x2F800,                                // inert and astral
  };
  std::mt19937 random(20261124);
  std::uniform_int_distribution<size_t> pick(0, std::size(pool) - 1);
  std::uniform_int_distribution<int> length(0, 12);
  for (UnicodeForm form : {UnicodeForm::nfc, UnicodeForm::nfd, UnicodeForm::nfkc, UnicodeForm::nfkd}) {
    for (int round = 0; round < 4000; ++round) {
      std::string text;
      for (int i = length(random); i > 0; --i) utf8::append(text, pool[pick(random)]);
      NormalizedString normalized(text, 0);
      normalize_unicode(normalized, form);
      ASSERT_EQ(normalized.get(), whole_text_normalization(text, form)) << "form " << int(form) << " of " << text;
    }
  }
}

}  // namespace
}  // namespace gatehouse::tokenizer::normalizers
