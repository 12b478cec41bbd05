#include "tokenizer/regex/code_point.h"

#include <utf8proc.h>

namespace gatehouse::tokenizer::regex {
namespace {

constexpr std::array<uint16_t, 30> make_category_classes() {
  std::array<uint16_t, 30> table{};
  table[UTF8PROC_CATEGORY_LU] = kUpper;
  table[UTF8PROC_CATEGORY_LT] = kUpper;
  table[UTF8PROC_CATEGORY_LL] = kLower;
  table[UTF8PROC_CATEGORY_LM] = kOtherLetter;
  table[UTF8PROC_CATEGORY_LO] = kOtherLetter;
  table[UTF8PROC_CATEGORY_MN] = kMark;
  table[UTF8PROC_CATEGORY_MC] = kMark;
  table[UTF8PROC_CATEGORY_ME] = kMark;
  table[UTF8PROC_CATEGORY_ND] = kNumber;
  table[UTF8PROC_CATEGORY_NL] = kNumber;
  table[UTF8PROC_CATEGORY_NO] = kNumber;
  table[UTF8PROC_CATEGORY_PC] = kPunct;
  table[UTF8PROC_CATEGORY_PD] = kPunct;
  table[UTF8PROC_CATEGORY_PS] = kPunct;
  table[UTF8PROC_CATEGORY_PE] = kPunct;
  table[UTF8PROC_CATEGORY_PI] = kPunct;
  table[UTF8PROC_CATEGORY_PF] = kPunct;
  table[UTF8PROC_CATEGORY_PO] = kPunct;
  table[UTF8PROC_CATEGORY_SM] = kSymbol;
  table[UTF8PROC_CATEGORY_SC] = kSymbol;
  table[UTF8PROC_CATEGORY_SK] = kSymbol;
  table[UTF8PROC_CATEGORY_SO] = kSymbol;
  // Every Zs, Zl and Zp character is White_Space, which is Oniguruma's \s.
  table[UTF8PROC_CATEGORY_ZS] = kSpace;
  table[UTF8PROC_CATEGORY_ZL] = kSpace;
  table[UTF8PROC_CATEGORY_ZP] = kSpace;
  return table;
}
constexpr std::array<uint16_t, 30> kCategoryClasses = make_category_classes();

}  // namespace

uint16_t classify_non_ascii(char32_t c) {
  if (c == 0x85) return kSpace;  // NEL: a control (Cc) that is White_Space
  return kCategoryClasses[size_t(utf8proc_category(utf8proc_int32_t(c)))];
}

}  // namespace gatehouse::tokenizer::regex
