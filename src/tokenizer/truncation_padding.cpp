#include "tokenizer/truncation_padding.h"

#include <boost/json.hpp>

#include "base/error.h"

namespace gatehouse::tokenizer {
namespace {

namespace bj = boost::json;

Side parse_side(const bj::object& object, const json::JsonPath& path) {
  std::string side = json::get_string(object, "direction", path, "Right");
  if (side == "Right") return Side::right;
  if (side == "Left") return Side::left;
  throw Error(ErrorCode::invalid_argument, (path / "direction").str() + " must be \"Left\" or \"Right\", got \"" + side + "\"");
}

// Keeps `length` tokens of every aligned field, dropping from the chosen side.
void truncate_to(Encoding& encoding, size_t length, Side side) {
  if (encoding.size() <= length) return;
  auto cut = [&](auto& field) {
    if (side == Side::right) field.resize(length);
    else field.erase(field.begin(), field.end() - long(length));
  };
  cut(encoding.ids);
  cut(encoding.type_ids);
  cut(encoding.tokens);
  cut(encoding.offsets);
  cut(encoding.special_tokens_mask);
  cut(encoding.attention_mask);
  cut(encoding.word_ids);
}

}  // namespace

void Truncation::apply(Encoding& first, Encoding* second, size_t reserved) const {
  if (max_length == 0) {
    truncate_to(first, 0, direction);
    if (second) truncate_to(*second, 0, direction);
    return;
  }
  size_t total = first.size() + (second ? second->size() : 0);
  size_t limit = max_length > reserved ? max_length - reserved : 0;
  if (total <= limit) return;
  size_t excess = total - limit;
  if (!second) {
    if (strategy == Strategy::only_second) {
      throw Error(ErrorCode::invalid_argument, "truncation strategy OnlySecond needs a pair of sequences");
    }
    truncate_to(first, first.size() - std::min(excess, first.size()), direction);
    return;
  }
  auto only = [&](Encoding& target, const char* name) {
    if (target.size() <= excess) {
      throw Error(ErrorCode::invalid_argument, std::string("truncation: the ") + name +
                                                   " sequence is too short to remove " + std::to_string(excess) +
                                                   " tokens; raise max_length or use LongestFirst");
    }
    truncate_to(target, target.size() - excess, direction);
  };
  switch (strategy) {
    case Strategy::only_first: only(first, "first"); break;
    case Strategy::only_second: only(*second, "second"); break;
    case Strategy::longest_first: {
      // HF's three cases: with n1 the shorter length, keep all of it when the longer one can still
      // fill the rest; otherwise split the budget in halves (the longer one gets the odd token).
      size_t n1 = first.size(), n2 = second->size();
      bool swapped = n1 > n2;
      if (swapped) std::swap(n1, n2);
      n2 = n1 > limit ? n1 : std::max(n1, limit - n1);
      if (n1 + n2 > limit) {
        n1 = limit / 2;
        n2 = n1 + limit % 2;
      }
      if (swapped) std::swap(n1, n2);
      truncate_to(first, n1, direction);
      truncate_to(*second, n2, direction);
      break;
    }
  }
}

void Padding::apply(Encoding& encoding, size_t target) const {
  size_t length = fixed_length ? std::max(*fixed_length, target) : target;
  if (pad_to_multiple_of > 0 && length % pad_to_multiple_of != 0) {
    length += pad_to_multiple_of - length % pad_to_multiple_of;
  }
  if (encoding.size() >= length) return;
  size_t missing = length - encoding.size();
  auto pad = [&](auto& field, auto value) {
    if (direction == Side::right) field.insert(field.end(), missing, value);
    else field.insert(field.begin(), missing, value);
  };
  pad(encoding.ids, pad_id);
  pad(encoding.type_ids, pad_type_id);
  pad(encoding.tokens, pad_token);
  pad(encoding.offsets, Offsets{0, 0});
  pad(encoding.special_tokens_mask, uint8_t(1));
  pad(encoding.attention_mask, uint8_t(0));
  pad(encoding.word_ids, int32_t(-1));
}

std::optional<Truncation> parse_truncation(const bj::value& config, const json::JsonPath& path) {
  if (config.is_null()) return std::nullopt;
  const bj::object& object = json::as_object(config, path);
  Truncation truncation;
  truncation.direction = parse_side(object, path);
  int64_t max_length = json::get_int(object, "max_length", path, 512);
  if (max_length < 0) throw Error(ErrorCode::invalid_argument, (path / "max_length").str() + " must not be negative");
  truncation.max_length = size_t(max_length);
  std::string strategy = json::get_string(object, "strategy", path, "LongestFirst");
  if (strategy == "LongestFirst") truncation.strategy = Truncation::Strategy::longest_first;
  else if (strategy == "OnlyFirst") truncation.strategy = Truncation::Strategy::only_first;
  else if (strategy == "OnlySecond") truncation.strategy = Truncation::Strategy::only_second;
  else throw Error(ErrorCode::invalid_argument, (path / "strategy").str() + " is unknown: \"" + strategy +
                                                    "\" (expected LongestFirst, OnlyFirst or OnlySecond)");
  return truncation;
}

std::optional<Padding> parse_padding(const bj::value& config, const json::JsonPath& path) {
  if (config.is_null()) return std::nullopt;
  const bj::object& object = json::as_object(config, path);
  Padding padding;
  padding.direction = parse_side(object, path);
  if (const bj::value* strategy = json::find(object, "strategy")) {
    // "BatchLongest" or {"Fixed": n}
    if (strategy->is_object()) {
      const bj::object& fixed = strategy->get_object();
      int64_t n = json::as_int(json::require(fixed, "Fixed", path / "strategy"), path / "strategy" / "Fixed");
      if (n < 0) throw Error(ErrorCode::invalid_argument, (path / "strategy" / "Fixed").str() + " must not be negative");
      padding.fixed_length = size_t(n);
    } else if (json::as_string(*strategy, path / "strategy") != "BatchLongest") {
      throw Error(ErrorCode::invalid_argument, (path / "strategy").str() + " must be \"BatchLongest\" or {\"Fixed\": n}");
    }
  }
  padding.pad_to_multiple_of = size_t(std::max<int64_t>(0, json::get_int(object, "pad_to_multiple_of", path, 0)));
  padding.pad_id = uint32_t(json::get_int(object, "pad_id", path, 0));
  padding.pad_type_id = uint32_t(json::get_int(object, "pad_type_id", path, 0));
  padding.pad_token = json::get_string(object, "pad_token", path, "[PAD]");
  return padding;
}

}  // namespace gatehouse::tokenizer
