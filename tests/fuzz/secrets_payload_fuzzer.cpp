// Fuzzes the POST /secrets/ reader: any bytes are parsed as a JSON body and read as a secrets
// payload. It either succeeds or throws a gatehouse::Error; nothing may crash, hang or read out of
// bounds.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "base/json.h"
#include "control/secrets_payload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const boost::json::value body =
        gatehouse::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz body");
    (void)gatehouse::control::parse_secrets_payload(body);
  } catch (const gatehouse::Error&) {
  }
  return 0;
}
