#include "control/ids.h"

#include <sodium.h>

#include "control/sodium_init.h"

namespace gatehouse::control {

std::string new_id() {
  init_sodium();
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

}  // namespace gatehouse::control
