// DecodeStream: incremental detokenization for streaming generation. Feed ids one at a time; each
// step returns the text that became final, never half a UTF-8 character or half a byte-fallback
// sequence (text ending in U+FFFD is held back until a later id completes it). Same algorithm as
// Hugging Face's DecodeStream: decode a short window of ids and emit what grew past its prefix.
// One stream per generated sequence; not thread-safe; the tokenizer must outlive it.
//
//   DecodeStream stream(tokenizer, /*skip_special_tokens=*/true);
//   for (uint32_t id : generated) if (auto piece = stream.step(id)) std::cout << *piece;
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gatehouse::tokenizer {

class Tokenizer;

class DecodeStream {
 public:
  DecodeStream(const Tokenizer& tokenizer, bool skip_special_tokens)
      : tokenizer_(tokenizer), skip_special_tokens_(skip_special_tokens) {}

  // Adds one id; returns the newly final text, or nullopt while it is incomplete.
  // Throws Error(invalid_argument) for an id outside the vocabulary.
  std::optional<std::string> step(uint32_t id);
  // The text still held back (possibly ending in U+FFFD) once generation stops.
  std::string finish();

 private:
  const Tokenizer& tokenizer_;
  bool skip_special_tokens_;
  std::vector<uint32_t> ids_;  // the window: ids already emitted as prefix_, then pending ones
  std::string prefix_;         // decode of ids_[0, prefix_index_)
  size_t prefix_index_ = 0;
};

}  // namespace gatehouse::tokenizer
