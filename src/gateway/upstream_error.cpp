#include "gateway/upstream_error.h"

namespace gatehouse::gateway {
namespace {

ErrorCode code_for(int status) {
  switch (status) {
    case 400: case 422: return ErrorCode::invalid_argument;
    case 401: return ErrorCode::unauthenticated;
    case 403: return ErrorCode::permission_denied;
    case 404: return ErrorCode::not_found;
    case 429: return ErrorCode::resource_exhausted;
    case 408: case 502: case 503: case 504: return ErrorCode::unavailable;
  }
  return ErrorCode::internal;
}

}  // namespace

UpstreamError::UpstreamError(int status, const std::string& message, std::optional<std::chrono::seconds> retry_after)
    : Error(code_for(status), message), status_(status), type_(litellm_error_type(status)), retry_after_(retry_after) {}

bool UpstreamError::retryable() const { return status_ == 408 || status_ == 429 || status_ >= 500; }

int gateway_status_for_upstream(int upstream_status) {
  if (upstream_status >= 400 && upstream_status < 500) return upstream_status;
  if (upstream_status == 502 || upstream_status == 503 || upstream_status == 504) return upstream_status;
  return 500;
}

std::string litellm_error_type(int status) {
  switch (status) {
    case 400: return "BadRequestError";
    case 401: return "AuthenticationError";
    case 403: return "PermissionDeniedError";
    case 404: return "NotFoundError";
    case 408: return "Timeout";
    case 422: return "UnprocessableEntityError";
    case 429: return "RateLimitError";
    case 503: return "ServiceUnavailableError";
  }
  return status >= 500 ? "InternalServerError" : "BadRequestError";
}

}  // namespace gatehouse::gateway
