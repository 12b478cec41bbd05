// The one table from Gatehouse errors to HTTP statuses, shared by every service (the model server,
// the gateway, the control plane, the Hub mirror). The bodies that carry the error are each
// protocol's own (api/error_envelope.h).
#pragma once

#include "base/error.h"

namespace gatehouse::http {

// 400 for invalid_argument, 401, 403, 404, 409, 429 for resource_exhausted, 503, 501, 500.
int status_for(ErrorCode code);

}  // namespace gatehouse::http
