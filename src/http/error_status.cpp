#include "http/error_status.h"

namespace gatehouse::http {

int status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return 400;
    case ErrorCode::unauthenticated: return 401;
    case ErrorCode::permission_denied: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::conflict: return 409;
    case ErrorCode::resource_exhausted: return 429;
    case ErrorCode::unimplemented: return 501;
    case ErrorCode::unavailable: return 503;
    case ErrorCode::data_loss:
    case ErrorCode::internal: break;
  }
  return 500;
}

}  // namespace gatehouse::http
