// Tokenizer: the whole Hugging Face pipeline loaded from a model folder (tokenizer.json plus
// tokenizer_config.json / special_tokens_map.json / chat_template.jinja when present).
// encode: added tokens split out -> normalizer -> pre-tokenizer -> model -> post-processor.
// decode: ids -> token strings -> drop specials (optional) -> decoder -> join.
// Immutable after loading; every method is safe to call from many threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/byte_level_lane.h"
#include "tokenizer/decoder.h"
#include "tokenizer/encoding.h"
#include "tokenizer/model.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer_config.h"
#include "tokenizer/truncation_padding.h"

namespace gatehouse::tokenizer {

// What to do with input bytes that are not valid UTF-8 (Hugging Face cannot receive such input).
enum class InvalidUtf8 {
  reject,   // throw invalid_argument naming the byte offset
  replace,  // replace each maximal invalid subpart with U+FFFD, like Python's errors="replace"
};

class Tokenizer {
 public:
  // Loads tokenizer.json (required) and the optional config files from `directory`.
  static Tokenizer from_directory(const std::filesystem::path& directory);
  // Loads a tokenizer.json document; `document_name` is used in error messages.
  static Tokenizer from_json(std::string_view tokenizer_json, std::string_view document_name = "tokenizer.json");

  Encoding encode(std::string_view text, bool add_special_tokens = true,
                  InvalidUtf8 invalid = InvalidUtf8::reject) const;
  Encoding encode_pair(std::string_view first, std::string_view second, bool add_special_tokens = true,
                       InvalidUtf8 invalid = InvalidUtf8::reject) const;
  // Ids only: the fast path (no token strings, no offsets kept).
  std::vector<uint32_t> encode_ids(std::string_view text, bool add_special_tokens = true,
                                   InvalidUtf8 invalid = InvalidUtf8::reject) const;
  // encode_ids for text that may be far too long: stops once the text is known to give more than
  // `max_tokens` ids and returns nullopt, without encoding the rest. Otherwise the ids are exactly
  // encode_ids'. (With a truncation setting in tokenizer.json it encodes the whole text, as
  // truncation decides which ids remain.)
  std::optional<std::vector<uint32_t>> encode_ids_within(std::string_view text, size_t max_tokens,
                                                         bool add_special_tokens = true,
                                                         InvalidUtf8 invalid = InvalidUtf8::reject) const;
  std::vector<std::vector<uint32_t>> encode_batch_ids(const std::vector<std::string>& texts,
                                                      bool add_special_tokens = true,
                                                      InvalidUtf8 invalid = InvalidUtf8::reject) const;

  // Ids out of range are an invalid_argument error naming the id.
  std::string decode(const std::vector<uint32_t>& ids, bool skip_special_tokens = false) const;

  std::optional<uint32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(uint32_t id) const;
  // Vocabulary size including added tokens.
  size_t vocab_size() const;

  const AddedVocabulary& added_vocabulary() const { return *added_; }
  const Decoder* decoder() const { return decoder_.get(); }
  const TokenizerConfig& config() const { return config_; }

 private:
  Tokenizer() = default;
  // with_strings == false is the ids-only path: token strings stay empty and, on the byte-level
  // lane, offsets and word ids are not computed. Both stop after the first pre-token that takes
  // the encoding past `max_tokens` ids.
  Encoding encode_sequence(std::string_view text, uint32_t type_id, bool with_strings,
                           size_t max_tokens = SIZE_MAX) const;
  Encoding encode_on_lane(std::string_view text, uint32_t type_id, size_t max_tokens) const;
  // Truncation, then the post-processor (or plain concatenation), then padding: HF's post_process.
  Encoding post_process(Encoding first, std::optional<Encoding> second, bool add_special_tokens) const;

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<AddedVocabulary> added_;
  std::unique_ptr<ByteLevelLane> byte_level_lane_;  // ids-only fast path, when the shape allows
  std::optional<Truncation> truncation_;
  std::optional<Padding> padding_;
  TokenizerConfig config_;
};

}  // namespace gatehouse::tokenizer
