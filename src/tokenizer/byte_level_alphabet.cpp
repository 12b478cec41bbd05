#include "tokenizer/byte_level_alphabet.h"

#include <array>
#include <string>

#include "base/utf8.h"

namespace gatehouse::tokenizer::byte_level {
namespace {

struct Alphabet {
  std::array<char32_t, 256> chars{};
  std::array<std::string, 256> utf8;
  std::array<int16_t, 324> bytes{};  // every alphabet char is below U+0144

  Alphabet() {
    bytes.fill(-1);
    // Printable bytes keep their own code point; the rest take U+0100, U+0101, ... in byte order.
    auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; };
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      chars[b] = printable(b) ? char32_t(b) : next++;
      utf8::append(utf8[b], chars[b]);
      bytes[chars[b]] = int16_t(b);
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet instance;
  return instance;
}

}  // namespace

char32_t char_of_byte(uint8_t byte) { return alphabet().chars[byte]; }

std::string_view utf8_of_byte(uint8_t byte) { return alphabet().utf8[byte]; }

std::optional<uint8_t> byte_of_char(char32_t ch) {
  if (ch >= alphabet().bytes.size() || alphabet().bytes[ch] < 0) return std::nullopt;
  return uint8_t(alphabet().bytes[ch]);
}

}  // namespace gatehouse::tokenizer::byte_level
