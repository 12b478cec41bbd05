// A call to an upstream model server that failed, as the gateway reports it to its own clients:
// the HTTP status LiteLLM would answer with (its exception table: 400, 401, 403, 404, 408 for a
// timeout, 422, 429, and 500/502/503 for upstream faults), the OpenAI error type of that status,
// and the provider's own message (never a key). Whether a router may retry it elsewhere follows
// from the status. Immutable; copyable.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/error.h"

namespace gatehouse::gateway {

class UpstreamError : public Error {
 public:
  UpstreamError(int status, const std::string& message,
                std::optional<std::chrono::seconds> retry_after = std::nullopt);

  int status() const { return status_; }
  // "AuthenticationError", "Timeout", "RateLimitError", ... (LiteLLM's names).
  const std::string& type() const { return type_; }
  // The upstream's Retry-After, when it sent one (429, 503).
  std::optional<std::chrono::seconds> retry_after() const { return retry_after_; }
  // 408, 429 and 5xx may succeed on another try or another deployment; 4xx otherwise will not.
  bool retryable() const;

 private:
  int status_;
  std::string type_;
  std::optional<std::chrono::seconds> retry_after_;
};

// The status the gateway answers with when an upstream answered `upstream_status` (LiteLLM's
// mapping: 4xx kept, 5xx kept as 500/502/503/504, anything else 500).
int gateway_status_for_upstream(int upstream_status);

// LiteLLM's exception name for a status the gateway answers with.
std::string litellm_error_type(int status);

}  // namespace gatehouse::gateway
