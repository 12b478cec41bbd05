#include "base/error.h"

#include <cstdio>
#include <cstdlib>

namespace gatehouse {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::unauthenticated: return "unauthenticated";
    case ErrorCode::permission_denied: return "permission_denied";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::resource_exhausted: return "resource_exhausted";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::unimplemented: return "unimplemented";
    case ErrorCode::data_loss: return "data_loss";
    case ErrorCode::internal: return "internal";
  }
  return "unknown";
}

void check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "gatehouse: internal check failed: %s at %s:%d\n", condition, file, line);
  std::abort();
}

}  // namespace gatehouse
