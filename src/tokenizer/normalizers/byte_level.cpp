// ByteLevel normalizer: every byte becomes its byte-level alphabet char, as the ByteLevel
// pre-tokenizer does but without splitting (tk/normalizers/byte_level.rs).
#include "tokenizer/byte_level_alphabet.h"
#include "tokenizer/normalizers/builders.h"
#include "tokenizer/normalizers/char_edits.h"

namespace gatehouse::tokenizer::normalizers {
namespace {

class ByteLevel final : public Normalizer {
 public:
  void normalize(NormalizedString& text) const override {
    CharEdits edits;
    for (char byte : text.get()) {
      char32_t c = byte_level::char_of_byte(uint8_t(byte));
      if ((uint8_t(byte) & 0xC0) == 0x80) {
        edits.insert(c);  // a continuation byte adds a char aligned to its whole input char
      } else {
        edits.replace(c);
      }
    }
    edits.apply(text);
  }
};

}  // namespace

std::unique_ptr<Normalizer> make_byte_level(const bj::object&, const json::JsonPath&) {
  return std::make_unique<ByteLevel>();
}

}  // namespace gatehouse::tokenizer::normalizers
