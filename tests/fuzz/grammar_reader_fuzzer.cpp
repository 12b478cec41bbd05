// Fuzzes the readers of constraint text: the first byte picks the reader (even: a regex, odd: an
// EBNF or Lark grammar) and the rest is the text. Each either builds a grammar or throws a
// gatehouse::Error; nothing may crash, hang, recurse without bound or build an enormous grammar.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "grammar/ebnf.h"
#include "grammar/regex.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    gatehouse::grammar::Grammar grammar = data[0] % 2 == 0 ? gatehouse::grammar::compile_regex(text) : gatehouse::grammar::compile_ebnf(text);
    (void)grammar.to_string();
  } catch (const gatehouse::Error&) {
  }
  return 0;
}
