#include "tokenizer/token_ids.h"

#include <charconv>
#include <cmath>
#include <optional>

#include "base/error.h"
#include "base/json.h"

namespace gatehouse::tokenizer {
namespace {

// One id: `id` is empty when the value is not a whole number or does not fit 64 bits, `whole`
// says which; `shown` is the value as given.
uint32_t checked_id(std::optional<int64_t> id, bool whole, const std::string& shown, std::string_view name, size_t index,
                    size_t vocab_size) {
  if (id && *id >= 0 && static_cast<uint64_t>(*id) < vocab_size) return static_cast<uint32_t>(*id);
  throw InvalidParameter(std::string(name), std::string(name) + "[" + std::to_string(index) + "] is " + shown + ", " +
                                                (whole ? "outside the vocabulary" : "not a token id") +
                                                ": token ids are whole numbers from 0 to " + std::to_string(vocab_size - 1) +
                                                " (the vocabulary has " + std::to_string(vocab_size) + " tokens)");
}

}  // namespace

std::vector<uint32_t> token_ids_from_json(const boost::json::value& value, std::string_view name, size_t vocab_size) {
  if (!value.is_array()) {
    throw InvalidParameter(std::string(name), std::string(name) + " must be an array of token ids, not " +
                                                  std::string(json::kind_name(value)));
  }
  const boost::json::array& list = value.get_array();
  std::vector<uint32_t> ids;
  ids.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const boost::json::value& item = list[i];
    const bool whole = item.is_int64() || item.is_uint64() ||
                       (item.is_double() && std::nearbyint(item.get_double()) == item.get_double());
    std::optional<int64_t> id;
    if (item.is_int64()) id = item.get_int64();
    if (whole && item.is_double() && std::abs(item.get_double()) < 9e18) id = static_cast<int64_t>(item.get_double());
    ids.push_back(checked_id(id, whole, json::serialize(item), name, i, vocab_size));
  }
  return ids;
}

std::vector<uint32_t> token_ids_from_text(const std::vector<std::string>& texts, std::string_view name, size_t vocab_size) {
  std::vector<uint32_t> ids;
  ids.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string& text = texts[i];
    const size_t sign = text.starts_with('-') ? 1 : 0;
    const bool whole = text.size() > sign && text.find_first_not_of("0123456789", sign) == std::string::npos;
    int64_t id = 0;
    const bool fits = whole && std::from_chars(text.data(), text.data() + text.size(), id).ec == std::errc();
    ids.push_back(checked_id(fits ? std::optional(id) : std::nullopt, whole, whole ? text : "\"" + text + "\"", name, i,
                             vocab_size));
  }
  return ids;
}

}  // namespace gatehouse::tokenizer
