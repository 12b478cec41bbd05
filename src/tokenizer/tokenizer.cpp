#include "tokenizer/tokenizer.h"

#include <boost/json.hpp>

#include "base/error.h"
#include "base/file.h"
#include "base/utf8.h"

namespace gatehouse::tokenizer {
namespace {

namespace bj = boost::json;

std::vector<AddedToken> read_added_tokens(const bj::object& root, const json::JsonPath& root_path,
                                          std::vector<uint32_t>& declared_ids) {
  std::vector<AddedToken> tokens;
  const bj::value* list_value = json::find(root, "added_tokens");
  if (!list_value) return tokens;
  json::JsonPath list_path = root_path / "added_tokens";
  const bj::array& list = json::as_array(*list_value, list_path);
  for (size_t i = 0; i < list.size(); ++i) {
    json::JsonPath path = list_path[i];
    const bj::object& entry = json::as_object(list[i], path);
    AddedToken token;
    token.content = std::string(json::as_string(json::require(entry, "content", path), path / "content"));
    token.single_word = json::get_bool(entry, "single_word", path, false);
    token.lstrip = json::get_bool(entry, "lstrip", path, false);
    token.rstrip = json::get_bool(entry, "rstrip", path, false);
    token.special = json::get_bool(entry, "special", path, false);
    token.normalized = json::get_bool(entry, "normalized", path, !token.special);
    int64_t id = json::get_int(entry, "id", path, -1);
    if (id < 0 || id > int64_t(UINT32_MAX)) {
      throw Error(ErrorCode::invalid_argument, (path / "id").str() + " must be a non-negative integer");
    }
    declared_ids.push_back(uint32_t(id));
    tokens.push_back(std::move(token));
  }
  return tokens;
}

std::string validated(std::string_view text, InvalidUtf8 invalid) {
  size_t bad = utf8::first_invalid(text);
  if (bad == text.size()) return std::string(text);
  if (invalid == InvalidUtf8::replace) return utf8::sanitize(text);
  throw Error(ErrorCode::invalid_argument,
              "input is not valid UTF-8 (first invalid byte at offset " + std::to_string(bad) +
                  "); send UTF-8 text, or ask for invalid bytes to be replaced with U+FFFD");
}

}  // namespace

Tokenizer Tokenizer::from_json(std::string_view tokenizer_json, std::string_view document_name) {
  json::JsonPath root_path{std::string(document_name)};
  bj::value document = json::parse(tokenizer_json, document_name);
  const bj::object& root = json::as_object(document, root_path);
  if (const bj::value* version = json::find(root, "version")) {
    std::string_view text = json::as_string(*version, root_path / "version");
    if (text != "1.0") {
      throw Error(ErrorCode::invalid_argument, (root_path / "version").str() + " is \"" + std::string(text) +
                                                   "\"; only tokenizer.json version \"1.0\" exists");
    }
  }
  static const bj::value null_value;
  auto component = [&](std::string_view key) -> const bj::value& {
    const bj::value* value = json::find(root, key);
    return value ? *value : null_value;
  };

  Tokenizer tokenizer;
  tokenizer.normalizer_ = make_normalizer(component("normalizer"), root_path / "normalizer");
  tokenizer.pre_tokenizer_ = make_pre_tokenizer(component("pre_tokenizer"), root_path / "pre_tokenizer");
  tokenizer.byte_level_lane_ = ByteLevelLane::detect(component("pre_tokenizer"));
  tokenizer.model_ = make_model(json::require(root, "model", root_path), root_path / "model");
  tokenizer.post_processor_ = make_post_processor(component("post_processor"), root_path / "post_processor");
  tokenizer.decoder_ = make_decoder(component("decoder"), root_path / "decoder");
  tokenizer.truncation_ = parse_truncation(component("truncation"), root_path / "truncation");
  tokenizer.padding_ = parse_padding(component("padding"), root_path / "padding");

  std::vector<uint32_t> declared_ids;
  std::vector<AddedToken> added = read_added_tokens(root, root_path, declared_ids);
  tokenizer.added_ = std::make_unique<AddedVocabulary>(std::move(added), declared_ids, *tokenizer.model_,
                                                       tokenizer.normalizer_.get());
  return tokenizer;
}

Tokenizer Tokenizer::from_directory(const std::filesystem::path& directory) {
  if (!std::filesystem::is_directory(directory)) {
    throw Error(ErrorCode::not_found, "tokenizer folder " + directory.string() +
                                          " does not exist or is not a folder; pass a folder holding tokenizer.json");
  }
  std::filesystem::path file = directory / "tokenizer.json";
  if (!std::filesystem::exists(file)) {
    throw Error(ErrorCode::not_found, "no tokenizer.json in " + directory.string() +
                                          "; only fast (tokenizer.json) tokenizers are supported");
  }
  Tokenizer tokenizer = from_json(files::read_file(file, files::kTokenizerFileLimit), "tokenizer.json");
  tokenizer.config_ = TokenizerConfig::load(directory);
  return tokenizer;
}

Encoding Tokenizer::encode_on_lane(std::string_view text, uint32_t type_id, size_t max_tokens) const {
  PreTokenizedString pre = added_->extract_and_normalize(text, normalizer_.get(), false);
  thread_local std::vector<uint32_t> ids;
  Encoding encoding;
  encoding.reserve(text.size() / 3 + 4);
  int32_t word = 0;
  for (const Split& split : pre.splits()) {
    ids.clear();
    if (split.tokens) {
      for (const Token& token : *split.tokens) ids.push_back(token.id);
    } else {
      byte_level_lane_->encode(split.normalized.get(), *model_, ids,
                               max_tokens > encoding.size() ? max_tokens - encoding.size() : 0);
    }
    for (uint32_t id : ids) encoding.push(id, std::string(), Offsets{}, type_id, false, word);
    ++word;
    if (encoding.size() > max_tokens) break;
  }
  return encoding;
}

Encoding Tokenizer::encode_sequence(std::string_view text, uint32_t type_id, bool with_strings,
                                    size_t max_tokens) const {
  if (!with_strings && byte_level_lane_) return encode_on_lane(text, type_id, max_tokens);
  PreTokenizedString pre = added_->extract_and_normalize(text, normalizer_.get(), with_strings);
  if (pre_tokenizer_) pre_tokenizer_->pre_tokenize(pre);
  Encoding encoding;
  encoding.reserve(text.size() / 3 + 4);
  std::vector<Token> model_tokens;
  int32_t word = 0;
  for (const Split& split : pre.splits()) {
    const std::vector<Token>* tokens = split.tokens ? &*split.tokens : nullptr;
    if (!tokens) {
      model_tokens.clear();
      model_->tokenize(split.normalized.get(), model_tokens);
      tokens = &model_tokens;
    }
    for (const Token& token : *tokens) {
      Offsets offsets = split.normalized.original_offsets(token.offsets.begin, token.offsets.end);
      std::string text_of_token = with_strings ? id_to_token(token.id).value_or("") : std::string();
      encoding.push(token.id, std::move(text_of_token), offsets, type_id, false, word);
    }
    ++word;
    if (encoding.size() > max_tokens) break;
  }
  return encoding;
}

Encoding Tokenizer::post_process(Encoding first, std::optional<Encoding> second, bool add_special_tokens) const {
  if (truncation_) {
    size_t reserved = add_special_tokens && post_processor_ ? post_processor_->added_tokens(second.has_value()) : 0;
    truncation_->apply(first, second ? &*second : nullptr, reserved);
  }
  Encoding result = post_processor_ ? post_processor_->process(std::move(first), std::move(second), add_special_tokens)
                                    : default_process(std::move(first), std::move(second));
  if (padding_) padding_->apply(result, result.size());
  return result;
}

Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens, InvalidUtf8 invalid) const {
  return post_process(encode_sequence(validated(text, invalid), 0, true), std::nullopt, add_special_tokens);
}

Encoding Tokenizer::encode_pair(std::string_view first, std::string_view second, bool add_special_tokens,
                                InvalidUtf8 invalid) const {
  Encoding a = encode_sequence(validated(first, invalid), 0, true);
  Encoding b = encode_sequence(validated(second, invalid), 1, true);
  return post_process(std::move(a), std::move(b), add_special_tokens);
}

std::vector<uint32_t> Tokenizer::encode_ids(std::string_view text, bool add_special_tokens,
                                            InvalidUtf8 invalid) const {
  Encoding encoding = encode_sequence(validated(text, invalid), 0, false);
  return std::move(post_process(std::move(encoding), std::nullopt, add_special_tokens).ids);
}

std::optional<std::vector<uint32_t>> Tokenizer::encode_ids_within(std::string_view text, size_t max_tokens,
                                                                  bool add_special_tokens, InvalidUtf8 invalid) const {
  // The post-processor only adds ids and padding only pads, so a sequence already past the limit
  // stays past it; truncation could cut it back, so with truncation nothing stops early.
  Encoding encoding = encode_sequence(validated(text, invalid), 0, false, truncation_ ? SIZE_MAX : max_tokens);
  if (encoding.size() > max_tokens && !truncation_) return std::nullopt;
  std::vector<uint32_t> ids = std::move(post_process(std::move(encoding), std::nullopt, add_special_tokens).ids);
  if (ids.size() > max_tokens) return std::nullopt;
  return ids;
}

std::vector<std::vector<uint32_t>> Tokenizer::encode_batch_ids(const std::vector<std::string>& texts,
                                                               bool add_special_tokens,
                                                               InvalidUtf8 invalid) const {
  std::vector<Encoding> encodings;
  encodings.reserve(texts.size());
  size_t longest = 0;
  for (const std::string& text : texts) {
    encodings.push_back(post_process(encode_sequence(validated(text, invalid), 0, false), std::nullopt,
                                     add_special_tokens));
    longest = std::max(longest, encodings.back().size());
  }
  std::vector<std::vector<uint32_t>> result;
  result.reserve(texts.size());
  for (Encoding& encoding : encodings) {
    if (padding_) padding_->apply(encoding, longest);  // BatchLongest: pad to the batch's longest
    result.push_back(std::move(encoding.ids));
  }
  return result;
}

std::string Tokenizer::decode(const std::vector<uint32_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (uint32_t id : ids) {
    std::optional<std::string> token = id_to_token(id);
    if (!token) {
      throw Error(ErrorCode::invalid_argument, "token id " + std::to_string(id) +
                                                   " is outside the vocabulary (size " +
                                                   std::to_string(vocab_size()) + ")");
    }
    if (skip_special_tokens && added_->is_special(*token)) continue;
    tokens.push_back(std::move(*token));
  }
  if (!decoder_) {
    std::string joined;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i) joined += ' ';
      joined += tokens[i];
    }
    return joined;
  }
  decoder_->decode_chain(tokens);
  std::string joined;
  for (const std::string& piece : tokens) joined += piece;
  return joined;
}

std::optional<uint32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (auto id = added_->token_to_id(token)) return id;
  return model_->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(uint32_t id) const {
  if (const AddedToken* token = added_->token(id)) return token->content;
  if (auto token = model_->id_to_token(id)) return std::string(*token);
  return std::nullopt;
}

size_t Tokenizer::vocab_size() const {
  return std::max<size_t>(model_->vocab_size() + added_->size(), added_->end_id());
}

}  // namespace gatehouse::tokenizer
