// The one error type of Gatehouse: an exception carrying a category (ErrorCode) and a message a
// user can act on. The HTTP layer maps codes to statuses in one place; nothing else branches on
// message text. GH_CHECK is for bugs only: it aborts, and must never be reachable from user input.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace gatehouse {

enum class ErrorCode {
  invalid_argument,
  not_found,
  unauthenticated,
  permission_denied,
  conflict,
  resource_exhausted,
  unavailable,
  unimplemented,
  data_loss,
  internal,
};

// Stable lower-case name, e.g. "invalid_argument".
std::string_view error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// An invalid_argument error about one named parameter of a request ("top_p"), so that APIs can
// report which parameter was wrong (OpenAI's error "param").
class InvalidParameter : public Error {
 public:
  InvalidParameter(std::string parameter, const std::string& message)
      : Error(ErrorCode::invalid_argument, message), parameter_(std::move(parameter)) {}
  const std::string& parameter() const { return parameter_; }

 private:
  std::string parameter_;
};

[[noreturn]] void check_failed(const char* condition, const char* file, int line);

}  // namespace gatehouse

#define GH_CHECK(condition)                                              \
  do {                                                                   \
    if (!(condition)) ::gatehouse::check_failed(#condition, __FILE__, __LINE__); \
  } while (0)
