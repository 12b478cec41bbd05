// TemplateProcessing: a template of sequence slots ($A, $B) and special tokens for single inputs
// and pairs, each piece with its type id (tk/processors/template.rs).
#include <boost/json/value.hpp>
#include <array>
#include <map>

#include "base/error.h"
#include "tokenizer/processors/builders.h"

namespace gatehouse::tokenizer::processors {
namespace {

struct Piece {
  bool is_sequence;
  size_t sequence;    // 0 for A, 1 for B
  std::string token;  // the special token's key in special_tokens
  uint32_t type_id;
};

struct SpecialTokens {
  std::vector<uint32_t> ids;
  std::vector<std::string> tokens;
};

class Template final : public PostProcessor {
 public:
  Template(std::vector<Piece> single, std::vector<Piece> pair, std::map<std::string, SpecialTokens> specials)
      : single_(std::move(single)), pair_(std::move(pair)), specials_(std::move(specials)) {}

  size_t added_tokens(bool is_pair) const override {
    size_t total = 0;
    for (const Piece& piece : is_pair ? pair_ : single_) {
      if (!piece.is_sequence) total += specials_.at(piece.token).ids.size();
    }
    return total;
  }

  std::vector<Encoding> process_encodings(std::vector<Encoding> encodings, bool add_special_tokens) const override {
    if (encodings.size() > 2) {
      throw Error(ErrorCode::invalid_argument,
                  "TemplateProcessing got " + std::to_string(encodings.size()) +
                      " encodings; it handles one sequence or a pair (check the post_processor Sequence)");
    }
    const std::vector<Piece>& pieces = encodings.size() == 2 ? pair_ : single_;
    std::vector<Encoding> result;
    std::array<size_t, 2> uses_left{};
    for (const Piece& piece : pieces) {
      if (piece.is_sequence) ++uses_left.at(piece.sequence);
    }
    for (const Piece& piece : pieces) {
      if (piece.is_sequence) {
        // The last use of a sequence takes it; a template that repeats $A copies the earlier ones.
        Encoding& source = encodings.at(piece.sequence);
        Encoding encoding = --uses_left[piece.sequence] == 0 ? std::move(source) : source;
        encoding.set_type_ids(piece.type_id);
        result.push_back(std::move(encoding));
      } else if (add_special_tokens) {
        const SpecialTokens& special = specials_.at(piece.token);
        result.push_back(special_tokens_encoding(special.ids, special.tokens, piece.type_id));
      }
    }
    return result;
  }

 private:
  std::vector<Piece> single_, pair_;
  std::map<std::string, SpecialTokens> specials_;
};

uint32_t read_type_id(const bj::object& object, const json::JsonPath& path) {
  int64_t type_id = json::get_int(object, "type_id", path, 0);
  if (type_id < 0 || type_id > int64_t(UINT32_MAX)) {
    throw Error(ErrorCode::invalid_argument, (path / "type_id").str() + " must be a non-negative integer");
  }
  return uint32_t(type_id);
}

std::vector<Piece> read_template(const bj::object& config, std::string_view key, const json::JsonPath& path) {
  json::JsonPath list_path = path / key;
  const bj::array& list = json::as_array(json::require(config, key, path), list_path);
  std::vector<Piece> pieces;
  for (size_t i = 0; i < list.size(); ++i) {
    json::JsonPath piece_path = list_path[i];
    const bj::object& piece = json::as_object(list[i], piece_path);
    if (const bj::value* sequence = piece.if_contains("Sequence")) {
      json::JsonPath sequence_path = piece_path / "Sequence";
      const bj::object& fields = json::as_object(*sequence, sequence_path);
      std::string_view id = json::as_string(json::require(fields, "id", sequence_path), sequence_path / "id");
      if (id != "A" && id != "B") {
        throw Error(ErrorCode::invalid_argument, (sequence_path / "id").str() + " is \"" + std::string(id) +
                                                     "\"; a sequence slot is \"A\" or \"B\"");
      }
      pieces.push_back({true, id == "A" ? 0u : 1u, {}, read_type_id(fields, sequence_path)});
    } else if (const bj::value* special = piece.if_contains("SpecialToken")) {
      json::JsonPath special_path = piece_path / "SpecialToken";
      const bj::object& fields = json::as_object(*special, special_path);
      std::string id(json::as_string(json::require(fields, "id", special_path), special_path / "id"));
      pieces.push_back({false, 0, std::move(id), read_type_id(fields, special_path)});
    } else {
      throw Error(ErrorCode::invalid_argument,
                  piece_path.str() + " must be {\"Sequence\": {...}} or {\"SpecialToken\": {...}}");
    }
  }
  return pieces;
}

std::map<std::string, SpecialTokens> read_special_tokens(const bj::object& config, const json::JsonPath& path) {
  std::map<std::string, SpecialTokens> specials;
  const bj::value* value = json::find(config, "special_tokens");
  if (!value) return specials;
  json::JsonPath map_path = path / "special_tokens";
  for (const auto& entry : json::as_object(*value, map_path)) {
    json::JsonPath entry_path = map_path / entry.key();
    const bj::object& fields = json::as_object(entry.value(), entry_path);
    SpecialTokens special;
    json::JsonPath ids_path = entry_path / "ids";
    const bj::array& ids = json::as_array(json::require(fields, "ids", entry_path), ids_path);
    for (size_t i = 0; i < ids.size(); ++i) {
      int64_t id = json::as_int(ids[i], ids_path[i]);
      if (id < 0 || id > int64_t(UINT32_MAX)) throw Error(ErrorCode::invalid_argument, ids_path[i].str() + " must be a token id");
      special.ids.push_back(uint32_t(id));
    }
    json::JsonPath tokens_path = entry_path / "tokens";
    const bj::array& tokens = json::as_array(json::require(fields, "tokens", entry_path), tokens_path);
    for (size_t i = 0; i < tokens.size(); ++i) special.tokens.emplace_back(json::as_string(tokens[i], tokens_path[i]));
    if (special.ids.size() != special.tokens.size()) {
      throw Error(ErrorCode::invalid_argument, entry_path.str() + " has " + std::to_string(special.ids.size()) +
                                                   " ids but " + std::to_string(special.tokens.size()) + " tokens");
    }
    specials.emplace(std::string(entry.key()), std::move(special));
  }
  return specials;
}

}  // namespace

std::unique_ptr<PostProcessor> make_template(const bj::object& config, const json::JsonPath& path) {
  std::vector<Piece> single = read_template(config, "single", path);
  std::vector<Piece> pair = read_template(config, "pair", path);
  std::map<std::string, SpecialTokens> specials = read_special_tokens(config, path);
  for (const auto* pieces : {&single, &pair}) {
    for (const Piece& piece : *pieces) {
      if (!piece.is_sequence && !specials.contains(piece.token)) {
        throw Error(ErrorCode::invalid_argument, (path / "special_tokens").str() + " has no entry for \"" +
                                                     piece.token + "\", which the template uses");
      }
    }
  }
  return std::make_unique<Template>(std::move(single), std::move(pair), std::move(specials));
}

}  // namespace gatehouse::tokenizer::processors
