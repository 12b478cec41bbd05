#include "tokenizer/token_bytes.h"

#include "base/utf8.h"
#include "tokenizer/byte_level_alphabet.h"
#include "tokenizer/decoder.h"
#include "tokenizer/tokenizer.h"

namespace gatehouse::tokenizer {
namespace {

constexpr std::string_view kMetaspace = "\xE2\x96\x81";  // ▁

// Whether the tokenizer's decoder maps GPT-2's alphabet back to bytes ("Ġ" is a space).
bool decodes_byte_level(const Tokenizer& tokenizer) {
  if (!tokenizer.decoder()) return false;
  std::vector<std::string> probe{"a\xC4\xA0" "b"};
  tokenizer.decoder()->decode_chain(probe);
  std::string joined;
  for (const std::string& piece : probe) joined += piece;
  return joined == "a b";
}

std::optional<std::string> byte_level_bytes(std::string_view token) {
  std::string out;
  size_t at = 0;
  while (at < token.size()) {
    int length = 0;
    const char32_t ch = utf8::decode(token, at, length);
    const auto byte = byte_level::byte_of_char(ch);
    if (!byte) return std::nullopt;
    out += static_cast<char>(*byte);
    at += static_cast<size_t>(length);
  }
  return out;
}

std::optional<uint8_t> fallback_byte(std::string_view token) {
  if (token.size() != 6 || token.substr(0, 3) != "<0x" || token[5] != '>') return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int high = hex(token[3]), low = hex(token[4]);
  if (high < 0 || low < 0) return std::nullopt;
  return static_cast<uint8_t>(high * 16 + low);
}

std::string sentencepiece_bytes(std::string_view token) {
  std::string out;
  for (size_t at = 0; at < token.size();) {
    if (token.substr(at, kMetaspace.size()) == kMetaspace) {
      out += ' ';
      at += kMetaspace.size();
    } else {
      out += token[at++];
    }
  }
  return out;
}

}  // namespace

std::vector<std::optional<std::string>> token_bytes(const Tokenizer& tokenizer) {
  const bool byte_level = decodes_byte_level(tokenizer);
  std::vector<std::optional<std::string>> out(tokenizer.vocab_size());
  for (size_t id = 0; id < out.size(); ++id) {
    const auto token = tokenizer.id_to_token(static_cast<uint32_t>(id));
    if (!token) continue;
    if (const AddedToken* added = tokenizer.added_vocabulary().token(static_cast<uint32_t>(id))) {
      if (added->special) continue;
      out[id] = added->content;  // added tokens are plain text, not in the model's alphabet
      continue;
    }
    if (byte_level) {
      out[id] = byte_level_bytes(*token);
      if (!out[id]) out[id] = *token;
    } else if (const auto byte = fallback_byte(*token)) {
      out[id] = std::string(1, static_cast<char>(*byte));
    } else {
      out[id] = sentencepiece_bytes(*token);
    }
  }
  return out;
}

}  // namespace gatehouse::tokenizer
