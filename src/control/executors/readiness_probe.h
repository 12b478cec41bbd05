// One readiness check of a local replica, Kubernetes' way: HTTP (and HTTPS, which a local replica
// serves as plain HTTP: gatehouse serve has no TLS) is a GET of the probe's path that must answer
// 200-399 within the timeout; TCP is a connection that must open. The probe's port is the
// container's, so the check goes to the replica's actual port. A blocking call bounded by
// `timeout` (connect, send and receive together); thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

#include "control/recipe.h"

namespace gatehouse::control {

bool probe_replica(const Probe& probe, uint16_t port, std::chrono::milliseconds timeout);

// A port that was free on 127.0.0.1 a moment ago (bound to port 0, then closed).
uint16_t free_local_port();

}  // namespace gatehouse::control
