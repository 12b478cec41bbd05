#include "tokenizer/byte_level_lane.h"

#include <boost/json.hpp>

#include "tokenizer/byte_level_alphabet.h"
#include "tokenizer/regex/pattern_json.h"

namespace gatehouse::tokenizer {
namespace {

namespace bj = boost::json;

bool is_true(const bj::object& object, std::string_view key, bool missing) {
  const bj::value* value = object.if_contains(key);
  if (!value) return missing;
  return value->is_bool() && value->get_bool();
}

bool is_false(const bj::object& object, std::string_view key) {
  const bj::value* value = object.if_contains(key);
  return value && value->is_bool() && !value->get_bool();
}

}  // namespace

std::unique_ptr<ByteLevelLane> ByteLevelLane::detect(const bj::value& pre_tokenizer) {
  if (!pre_tokenizer.is_object()) return nullptr;
  std::vector<const bj::object*> chain;
  const bj::object& root = pre_tokenizer.get_object();
  const bj::value* type = root.if_contains("type");
  if (!type || !type->is_string()) return nullptr;
  if (type->get_string() == "Sequence") {
    const bj::value* list = root.if_contains("pretokenizers");
    if (!list || !list->is_array()) return nullptr;
    for (const bj::value& item : list->get_array()) {
      if (!item.is_object()) return nullptr;
      chain.push_back(&item.get_object());
    }
  } else {
    chain.push_back(&root);
  }
  if (chain.empty()) return nullptr;

  auto lane = std::unique_ptr<ByteLevelLane>(new ByteLevelLane());
  try {
    for (size_t i = 0; i < chain.size(); ++i) {
      const bj::object& stage = *chain[i];
      const bj::value* stage_type = stage.if_contains("type");
      if (!stage_type || !stage_type->is_string()) return nullptr;
      bool last = i + 1 == chain.size();
      if (stage_type->get_string() == "ByteLevel") {
        // A prefix space would be added per pre-token; only the plain form is a pure mapping.
        if (!last || !is_false(stage, "add_prefix_space")) return nullptr;
        if (is_true(stage, "use_regex", true)) lane->stages_.push_back({Regex(std::string(byte_level::kGpt2Pattern)), true});
        return lane;
      }
      if (stage_type->get_string() != "Split" || last) return nullptr;
      const bj::value* behavior = stage.if_contains("behavior");
      if (!behavior || !behavior->is_string()) return nullptr;
      bool invert = is_true(stage, "invert", false);
      bool keep_gaps;
      if (behavior->get_string() == "Isolated" && !invert) {
        keep_gaps = true;
      } else if (behavior->get_string() == "Removed" && invert) {
        keep_gaps = false;
      } else {
        return nullptr;
      }
      const bj::value* pattern = stage.if_contains("pattern");
      if (!pattern) return nullptr;
      lane->stages_.push_back({regex_from_pattern_json(*pattern, json::JsonPath("pre_tokenizer")), keep_gaps});
    }
  } catch (const std::exception&) {
    return nullptr;  // a malformed pattern: the general pipeline reports it
  }
  return nullptr;
}

void ByteLevelLane::encode(std::string_view text, const Model& model, std::vector<uint32_t>& ids, size_t max_ids) const {
  thread_local regex::Matches pieces, next, matches;
  thread_local std::string mapped;
  thread_local std::vector<Token> tokens;
  pieces.assign(1, {0, text.size()});
  for (const Stage& stage : stages_) {
    next.clear();
    for (const auto& [begin, end] : pieces) {
      matches.clear();
      stage.regex.find_matches(text.substr(begin, end - begin), matches);
      size_t previous = 0;
      for (const auto& [match_begin, match_end] : matches) {
        if (stage.keep_gaps && match_begin > previous) next.emplace_back(begin + previous, begin + match_begin);
        if (match_end > match_begin) next.emplace_back(begin + match_begin, begin + match_end);
        previous = match_end;
      }
      if (stage.keep_gaps && end - begin > previous) next.emplace_back(begin + previous, end);
    }
    std::swap(pieces, next);
  }
  for (const auto& [begin, end] : pieces) {
    mapped.clear();
    for (size_t i = begin; i < end; ++i) mapped += byte_level::utf8_of_byte(uint8_t(text[i]));
    tokens.clear();
    model.tokenize(mapped, tokens);
    for (const Token& token : tokens) ids.push_back(token.id);
    if (ids.size() > max_ids) return;
  }
}

}  // namespace gatehouse::tokenizer
