// The decoders that turn tokens back into bytes: ByteLevel (byte-level alphabet chars to bytes,
// all tokens joined into one string) and ByteFallback (runs of <0xXX> tokens to the text they
// spell) (tk/decoders/byte_fallback.rs, tk/pre_tokenizers/byte_level.rs).
#include <boost/json/value.hpp>

#include "base/utf8.h"
#include "tokenizer/byte_level_alphabet.h"
#include "tokenizer/decoders/builders.h"
#include "tokenizer/regex/code_point.h"

namespace gatehouse::tokenizer::decoders {
namespace {

class ByteLevel final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      size_t start = bytes.size();
      bool all_mapped = true;
      for (size_t pos = 0; pos < token.size() && all_mapped;) {
        int length;
        std::optional<uint8_t> byte = byte_level::byte_of_char(regex::decode(token.data() + pos, length));
        if (byte) bytes += char(*byte);
        all_mapped = byte.has_value();
        pos += size_t(length);
      }
      if (!all_mapped) {  // a token outside the alphabet (an added token) is kept as it is
        bytes.resize(start);
        bytes += token;
      }
    }
    tokens.assign(1, utf8::sanitize(bytes));
  }
};

// "<0x41>" -> 0x41, as HF parses it (u8::from_str_radix over the two chars).
std::optional<uint8_t> byte_token_value(std::string_view token) {
  if (token.size() != 6 || !token.starts_with("<0x") || token.back() != '>') return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int high = digit(token[3]), low = digit(token[4]);
  if (token[3] == '+' && low >= 0) return uint8_t(low);
  if (high < 0 || low < 0) return std::nullopt;
  return uint8_t(high * 16 + low);
}

class ByteFallback final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> result;
    result.reserve(tokens.size());
    std::string pending;  // bytes of consecutive byte tokens
    size_t pending_count = 0;
    auto flush = [&] {
      if (pending_count == 0) return;
      if (utf8::is_valid(pending)) {
        result.push_back(pending);
      } else {
        for (size_t i = 0; i < pending_count; ++i) result.emplace_back("\xEF\xBF\xBD");  // one U+FFFD per byte
      }
      pending.clear();
      pending_count = 0;
    };
    for (std::string& token : tokens) {
      if (auto byte = byte_token_value(token)) {
        pending += char(*byte);
        ++pending_count;
        continue;
      }
      flush();
      result.push_back(std::move(token));
    }
    flush();
    tokens = std::move(result);
  }
};

}  // namespace

std::unique_ptr<Decoder> make_byte_level(const bj::object&, const json::JsonPath&) {
  return std::make_unique<ByteLevel>();
}

std::unique_ptr<Decoder> make_byte_fallback(const bj::object&, const json::JsonPath&) {
  return std::make_unique<ByteFallback>();
}

}  // namespace gatehouse::tokenizer::decoders
