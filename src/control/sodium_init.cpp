#include "control/sodium_init.h"

#include <sodium.h>

#include "base/error.h"

namespace gatehouse::control {

void init_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw Error(ErrorCode::internal, "libsodium failed to initialise (is a random source such as /dev/urandom available?)");
}

}  // namespace gatehouse::control
