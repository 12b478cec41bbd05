#include <array>
#include <boost/json.hpp>

#include "base/error.h"
#include "tokenizer/models/builders.h"

namespace gatehouse::tokenizer {
namespace models {

std::string byte_fallback_token(uint8_t byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string{'<', '0', 'x', kHex[byte >> 4], kHex[byte & 15], '>'};
}

}  // namespace models

namespace {

using Builder = std::unique_ptr<Model> (*)(const boost::json::object&, const json::JsonPath&);
constexpr std::array<std::pair<std::string_view, Builder>, 4> kBuilders = {{
    {"BPE", models::make_bpe},
    {"WordPiece", models::make_word_piece},
    {"WordLevel", models::make_word_level},
    {"Unigram", models::make_unigram},
}};

// Files written before "type" was serialized are told apart by their fields, as HF's untagged
// deserialization does.
Builder builder_from_fields(const boost::json::object& config) {
  if (config.contains("merges")) return models::make_bpe;
  if (config.contains("max_input_chars_per_word") || config.contains("continuing_subword_prefix")) {
    return models::make_word_piece;
  }
  if (config.contains("unk_id")) return models::make_unigram;
  if (config.contains("vocab")) return config.at("vocab").is_array() ? models::make_unigram : models::make_word_level;
  return nullptr;
}

}  // namespace

std::unique_ptr<Model> make_model(const boost::json::value& config, const json::JsonPath& path) {
  const boost::json::object& object = json::as_object(config, path);
  const boost::json::value* type = json::find(object, "type");
  if (!type) {
    if (Builder build = builder_from_fields(object)) return build(object, path);
    throw Error(ErrorCode::invalid_argument, (path / "type").str() + " is missing and the fields do not say which model this is");
  }
  std::string_view name = json::as_string(*type, path / "type");
  for (const auto& [known, build] : kBuilders) {
    if (known == name) return build(object, path);
  }
  throw Error(ErrorCode::invalid_argument, (path / "type").str() + " is \"" + std::string(name) +
                                               "\", which is not a model type; expected BPE, WordPiece, WordLevel or Unigram");
}

}  // namespace gatehouse::tokenizer
