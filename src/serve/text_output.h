// The text of one generated sequence as it grows: incremental detokenization (never half a UTF-8
// character) and stop strings, with vLLM's rules. A stop string is looked for once more than
// min_tokens tokens exist; the text is cut before it (or after it, with include_stop_str_in_output)
// and the sequence should end. While streaming, the last (longest stop string - 1) characters are
// held back, so text that later turns out to start a stop string is never sent. One per sequence;
// not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tokenizer/decode_stream.h"
#include "tokenizer/tokenizer.h"

namespace gatehouse::serve {

struct StopStrings {
  std::vector<std::string> strings;  // non-empty strings
  bool include_in_output = false;
  int64_t min_tokens = 0;
};

class TextOutput {
 public:
  TextOutput(const tokenizer::Tokenizer& tokenizer, bool skip_special_tokens, const StopStrings& stop);

  struct Delta {
    std::string text;                         // newly final text
    std::optional<std::string> stop_string;   // set when a stop string ended the sequence
  };
  // Adds the sequence's new tokens; `finished` when the engine ended it (all text is released).
  Delta add(std::span<const int32_t> tokens, bool finished);

  const std::string& text() const { return text_; }  // everything so far, cut at a stop string

 private:
  size_t visible_end(bool final) const;

  tokenizer::DecodeStream stream_;
  StopStrings stop_;
  size_t longest_stop_ = 0;          // bytes
  size_t holdback_characters_ = 0;   // while streaming
  int64_t tokens_ = 0;
  std::string text_;
  size_t sent_ = 0;  // bytes of text_ already returned
  bool stopped_ = false;
};

}  // namespace gatehouse::serve
