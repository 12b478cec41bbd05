// The Gatehouse version, as `gatehouse --version` and the servers' /version and /info report it.
#pragma once

namespace gatehouse {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace gatehouse
