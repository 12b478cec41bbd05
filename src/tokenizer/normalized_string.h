// A piece of input text as it goes through normalization, with the map from each normalized byte
// back to the original input bytes, so that encodings can report offsets into what the user gave.
// Semantics follow Hugging Face tokenizers' NormalizedString (tk/tokenizer/normalizer.rs).
// Value type; not thread-safe to mutate concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::tokenizer {

// A byte range [begin, end) into the original input.
struct Offsets {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool operator==(const Offsets&) const = default;
};

// One output character of a transform and how it relates to the input characters:
// change == 0: it replaces one input char; change == +n: it is new (inserted after the previous
// one, n counts the inserted chars, conventionally 1); change == -n: it replaces one input char and
// n more input chars are removed after it. Exactly HF's `(char, isize)` convention.
struct CharChange {
  char32_t ch;
  int change;
};

class NormalizedString {
 public:
  NormalizedString() = default;
  // `text` is a slice of the whole input starting at byte `origin`; alignment is the identity.
  NormalizedString(std::string text, uint32_t origin);

  const std::string& get() const { return normalized_; }
  bool empty() const { return normalized_.empty(); }
  size_t size() const { return normalized_.size(); }

  // The original range this string covers (HF's offsets_original()).
  Offsets original_offsets() const { return original_; }
  // The original range behind normalized bytes [begin, end). Empty ranges map to an empty range at
  // the position of `begin`.
  Offsets original_offsets(size_t begin, size_t end) const;

  // The sub-string for normalized bytes [begin, end) (which must be on char boundaries), with its
  // alignments and original range.
  NormalizedString slice(size_t begin, size_t end) const;

  // HF's transform_range over normalized bytes [begin, end): `changes` are the new chars for that
  // range, `initial_offset` the number of input chars removed before the first new char.
  void transform(size_t begin, size_t end, const std::vector<CharChange>& changes, int initial_offset);
  void transform(const std::vector<CharChange>& changes, int initial_offset) {
    transform(0, normalized_.size(), changes, initial_offset);
  }

  // Common edits, expressed through transform.
  void prepend(std::string_view text);  // aligned to the first char
  void append(std::string_view text);   // aligned to the last char
  // Stops keeping alignments: later edits only rewrite the text, and offsets are no longer
  // meaningful. What encoding to ids only needs; it saves a map of 8 bytes per byte of text.
  void stop_tracking_alignments() {
    track_alignments_ = false;
    alignments_.clear();
  }

 private:
  void materialize_alignments();
  void transform_text(size_t begin, size_t end, const std::vector<CharChange>& changes);

  std::string normalized_;
  // Per normalized byte: the original range of the char it came from. Empty means identity:
  // byte i maps to [original_.begin + i, original_.begin + i + 1).
  std::vector<Offsets> alignments_;
  Offsets original_;
  bool track_alignments_ = true;
};

}  // namespace gatehouse::tokenizer
