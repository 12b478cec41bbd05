// A secret (token, API key) that cannot leak by accident: streaming or formatting it prints
// "***". Read the value only with reveal(), at the one place that must send it.
#pragma once

#include <ostream>
#include <string>
#include <utility>

namespace gatehouse {

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend std::ostream& operator<<(std::ostream& out, const SecretString&) { return out << "***"; }

 private:
  std::string value_;
};

}  // namespace gatehouse
