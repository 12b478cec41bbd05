#include "http/api_error.h"

#include <boost/json.hpp>

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

std::string openai_error_type(int status) {
  switch (status) {
    case 400: return "BadRequestError";
    case 401: return "AuthenticationError";
    case 403: return "PermissionDeniedError";
    case 404: return "NotFoundError";
    case 405: return "MethodNotAllowedError";
    case 409: return "ConflictError";
    case 413: return "RequestEntityTooLargeError";
    case 429: return "RateLimitError";
    case 501: return "NotImplementedError";
    case 503: return "ServiceUnavailableError";
  }
  return status >= 500 ? "InternalServerError" : "BadRequestError";
}

std::string openai_error_json(int status, const std::string& message, const std::string& param) {
  boost::json::object error{{"message", message},
                            {"type", openai_error_type(status)},
                            {"param", param.empty() ? boost::json::value(nullptr) : boost::json::value(param)},
                            {"code", status}};
  return boost::json::serialize(boost::json::object{{"error", std::move(error)}});
}

Response openai_error(int status, const std::string& message, const std::string& param) {
  return Response::json(status, openai_error_json(status, message, param));
}

}  // namespace gatehouse::http
