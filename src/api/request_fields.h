// Typed access to the fields of a JSON request body, with errors that name the parameter
// (InvalidParameter, so the API can fill OpenAI's "param"). Absent and null fields read as
// nullopt, as vLLM treats them. Fields read are remembered, so the ones nobody read can be
// reported as ignored. It refers to the body it reads (which must outlive it); one per request,
// not thread-safe.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::api {

class RequestFields {
 public:
  explicit RequestFields(const boost::json::object& body) : body_(body) {}

  // The raw value, or nullptr when absent or null.
  const boost::json::value* find(std::string_view key);
  std::optional<double> number(std::string_view key);
  std::optional<int64_t> integer(std::string_view key);
  // A non-negative integer up to 2^64 - 1 (TGI's seeds).
  std::optional<uint64_t> unsigned_integer(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::string> string(std::string_view key);
  // A string or an array of strings (OpenAI's "stop").
  std::optional<std::vector<std::string>> strings(std::string_view key);
  std::optional<std::vector<int64_t>> integers(std::string_view key);

  // Keys present in the body that were never read: how many, and the first `names` of them in
  // body order (a body may carry any number of them).
  struct Unread {
    size_t count = 0;
    std::vector<std::string> first;
  };
  Unread unread(size_t names) const;

 private:
  const boost::json::object& body_;
  std::set<std::string, std::less<>> read_;
};

// "expected an integer, got a string" for parameter `key`.
[[noreturn]] void wrong_type(std::string_view key, std::string_view expected, const boost::json::value& value);

}  // namespace gatehouse::api
