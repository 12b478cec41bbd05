// The error bodies of each protocol, as JSON text or a whole answer (the caller picks the HTTP
// status, usually from http::status_for). OpenAI's envelope, which vLLM and every OpenAI-style API answer with:
// {"error": {"message", "type", "param", "code"}}, `code` being the HTTP status as an integer and
// `type` the class-style name vLLM uses ("BadRequestError"). TGI's: {"error", "error_type"}.
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "http/server.h"

namespace gatehouse::api {

// "BadRequestError", "AuthenticationError", "NotFoundError", ... for a status.
std::string openai_error_type(int status);

// OpenAI's envelope; `param` is null when empty.
std::string openai_error_json(int status, const std::string& message, const std::string& param = "");

// That envelope as a whole answer with `status`.
http::Response openai_error_response(int status, const std::string& message, const std::string& param = "");

// TGI's envelope; `error_type` is TGI's word for the failure: "validation" (422), "overloaded"
// (429/503), "generation" (424), ...
std::string tgi_error_json(const std::string& message, const std::string& error_type);

}  // namespace gatehouse::api
