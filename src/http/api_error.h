// The one table from Gatehouse errors to HTTP statuses, and the OpenAI error envelope every
// OpenAI-style API answers with: {"error": {"message", "type", "param", "code"}}, `code` being the
// HTTP status as an integer and `type` the class-style name vLLM uses ("BadRequestError").
#pragma once

#include <string>

#include "base/error.h"
#include "http/server.h"

namespace gatehouse::http {

// 400 for invalid_argument, 401, 403, 404, 409, 429 for resource_exhausted, 503, 501, 500.
int status_for(ErrorCode code);

// "BadRequestError", "AuthenticationError", "NotFoundError", ... for a status.
std::string openai_error_type(int status);

// The envelope as JSON text; `param` is null when empty.
std::string openai_error_json(int status, const std::string& message, const std::string& param = "");

Response openai_error(int status, const std::string& message, const std::string& param = "");

}  // namespace gatehouse::http
