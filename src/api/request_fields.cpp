#include "api/request_fields.h"

#include <boost/json.hpp>
#include <cmath>

#include "base/error.h"
#include "base/json.h"

namespace gatehouse::api {

void wrong_type(std::string_view key, std::string_view expected, const boost::json::value& value) {
  throw InvalidParameter(std::string(key), std::string(key) + ": expected " + std::string(expected) + ", got " +
                                               std::string(json::kind_name(value)));
}

const boost::json::value* RequestFields::find(std::string_view key) {
  read_.emplace(key);
  const boost::json::value* value = body_.if_contains(key);
  return value && !value->is_null() ? value : nullptr;
}

std::optional<double> RequestFields::number(std::string_view key) {
  const boost::json::value* value = find(key);
  if (!value) return std::nullopt;
  if (value->is_double()) return value->get_double();
  if (value->is_int64()) return static_cast<double>(value->get_int64());
  if (value->is_uint64()) return static_cast<double>(value->get_uint64());
  wrong_type(key, "a number", *value);
}

std::optional<int64_t> RequestFields::integer(std::string_view key) {
  const boost::json::value* value = find(key);
  if (!value) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) {
    throw InvalidParameter(std::string(key), std::string(key) + ": " + std::to_string(value->get_uint64()) + " is too large");
  }
  // 2.0 is accepted as 2, as pydantic does; 2.5 is not.
  if (value->is_double() && std::nearbyint(value->get_double()) == value->get_double()) {
    if (std::abs(value->get_double()) < 9e18) return static_cast<int64_t>(value->get_double());
    throw InvalidParameter(std::string(key), std::string(key) + ": " + json::serialize(*value) + " is too large");
  }
  wrong_type(key, "an integer", *value);
}

std::optional<uint64_t> RequestFields::unsigned_integer(std::string_view key) {
  const boost::json::value* value = find(key);
  if (!value) return std::nullopt;
  if (value->is_uint64()) return value->get_uint64();
  if (value->is_int64() && value->get_int64() >= 0) return static_cast<uint64_t>(value->get_int64());
  wrong_type(key, "a non-negative integer", *value);
}

std::optional<bool> RequestFields::boolean(std::string_view key) {
  const boost::json::value* value = find(key);
  if (!value) return std::nullopt;
  if (!value->is_bool()) wrong_type(key, "a boolean", *value);
  return value->get_bool();
}

std::optional<std::string> RequestFields::string(std::string_view key) {
  const boost::json::value* value = find(key);
  if (!value) return std::nullopt;
  if (!value->is_string()) wrong_type(key, "a string", *value);
  return std::string(value->get_string());
}

std::optional<std::vector<std::string>> RequestFields::strings(std::string_view key) {
  const boost::json::value* value = find(key);
  if (!value) return std::nullopt;
  if (value->is_string()) return std::vector<std::string>{std::string(value->get_string())};
  if (!value->is_array()) wrong_type(key, "a string or an array of strings", *value);
  std::vector<std::string> out;
  for (const boost::json::value& item : value->get_array()) {
    if (!item.is_string()) wrong_type(key, "a string or an array of strings", item);
    out.emplace_back(item.get_string());
  }
  return out;
}

std::optional<std::vector<int64_t>> RequestFields::integers(std::string_view key) {
  const boost::json::value* value = find(key);
  if (!value) return std::nullopt;
  if (!value->is_array()) wrong_type(key, "an array of integers", *value);
  std::vector<int64_t> out;
  for (const boost::json::value& item : value->get_array()) {
    if (!item.is_int64()) wrong_type(key, "an array of integers", item);
    out.push_back(item.get_int64());
  }
  return out;
}

RequestFields::Unread RequestFields::unread(size_t names) const {
  Unread out;
  for (const auto& entry : body_) {
    if (read_.contains(entry.key())) continue;
    if (out.first.size() < names) out.first.emplace_back(entry.key());
    ++out.count;
  }
  return out;
}

}  // namespace gatehouse::api
