#include "control/ids.h"

#include <sodium.h>

#include "base/error.h"

namespace gatehouse::control {

std::string new_id() {
  GH_CHECK(sodium_init() >= 0);
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

}  // namespace gatehouse::control
