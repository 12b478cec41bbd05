// Identifiers the control plane hands out: deployment uuids and group ids are 32 lower-case hex
// digits (16 random bytes from libsodium), as Blueprints writes them.
#pragma once

#include <string>

namespace gatehouse::control {

std::string new_id();

}  // namespace gatehouse::control
