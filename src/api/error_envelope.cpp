#include "api/error_envelope.h"

#include <boost/json.hpp>

namespace gatehouse::api {

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

http::Response openai_error_response(int status, const std::string& message, const std::string& param) {
  return http::Response::json(status, openai_error_json(status, message, param));
}

std::string tgi_error_json(const std::string& message, const std::string& error_type) {
  return boost::json::serialize(boost::json::object{{"error", message}, {"error_type", error_type}});
}

}  // namespace gatehouse::api
