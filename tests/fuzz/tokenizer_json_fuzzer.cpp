// Fuzzes tokenizer.json loading: any input must either load or throw gatehouse::Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto tokenizer = gatehouse::tokenizer::Tokenizer::from_json(text);
    auto ids = tokenizer.encode_ids("Hello world! <s> 123 héllo", true);
    (void)tokenizer.decode(ids, false);
  } catch (const gatehouse::Error&) {
  }
  return 0;
}
