// BertProcessing ([CLS] A [SEP] B [SEP]) and RobertaProcessing (<s> A </s> </s> B </s>, with
// ByteLevel offset trimming) (tk/processors/{bert,roberta}.rs). One class; Roberta differs by
// the doubled separator and the trimming.
#include <boost/json/value.hpp>

#include "base/error.h"
#include "tokenizer/processors/builders.h"

namespace gatehouse::tokenizer::processors {
namespace {

struct SpecialToken {
  std::string token;
  uint32_t id;
};

class ClsSep final : public PostProcessor {
 public:
  struct Options {
    bool double_separator = false;  // Roberta
    bool trim_offsets = false;      // Roberta
    bool add_prefix_space = false;  // Roberta, for the trimming
  };
  ClsSep(SpecialToken cls, SpecialToken sep, Options options)
      : cls_(std::move(cls)), sep_(std::move(sep)), options_(options) {}

  size_t added_tokens(bool is_pair) const override {
    return is_pair ? (options_.double_separator ? 4 : 3) : 2;
  }

  std::vector<Encoding> process_encodings(std::vector<Encoding> encodings, bool add_special_tokens) const override {
    if (options_.trim_offsets) {
      for (Encoding& encoding : encodings) trim_byte_level_offsets(encoding, options_.add_prefix_space);
    }
    if (!add_special_tokens) return encodings;
    std::vector<Encoding> result;
    for (size_t i = 0; i < encodings.size(); ++i) {
      bool first = i == 0;
      uint32_t type_id = first || options_.double_separator ? 0 : 1;
      Encoding encoding;
      if (first) {
        encoding = special_tokens_encoding({cls_.id}, {cls_.token}, 0);
      } else if (options_.double_separator) {
        encoding = special_tokens_encoding({sep_.id}, {sep_.token}, 0);
      }
      encoding.append(encodings[i]);
      encoding.append(special_tokens_encoding({sep_.id}, {sep_.token}, type_id));
      result.push_back(std::move(encoding));
    }
    return result;
  }

 private:
  SpecialToken cls_, sep_;
  Options options_;
};

// HF writes these as ["[SEP]", 102].
SpecialToken read_token(const bj::object& config, std::string_view key, const json::JsonPath& path) {
  json::JsonPath field = path / key;
  const bj::array& pair = json::as_array(json::require(config, key, path), field);
  if (pair.size() != 2) throw Error(ErrorCode::invalid_argument, field.str() + " must be a [token, id] pair");
  int64_t id = json::as_int(pair[1], field[1]);
  if (id < 0 || id > int64_t(UINT32_MAX)) throw Error(ErrorCode::invalid_argument, field[1].str() + " must be a token id");
  return {std::string(json::as_string(pair[0], field[0])), uint32_t(id)};
}

}  // namespace

std::unique_ptr<PostProcessor> make_bert(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<ClsSep>(read_token(config, "cls", path), read_token(config, "sep", path), ClsSep::Options{});
}

std::unique_ptr<PostProcessor> make_roberta(const bj::object& config, const json::JsonPath& path) {
  ClsSep::Options options{true, json::get_bool(config, "trim_offsets", path, true),
                          json::get_bool(config, "add_prefix_space", path, true)};
  return std::make_unique<ClsSep>(read_token(config, "cls", path), read_token(config, "sep", path), options);
}

}  // namespace gatehouse::tokenizer::processors
