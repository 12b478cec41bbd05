// Fuzzes the gateway's request reader: any bytes are read as the body of a chat request and of a
// completion request. Each either succeeds or throws a gatehouse::Error (InvalidParameter naming
// the field); nothing may crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "gateway/proxy/request_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (gatehouse::gateway::Endpoint endpoint : {gatehouse::gateway::Endpoint::chat, gatehouse::gateway::Endpoint::text}) {
    try {
      gatehouse::gateway::ProxyRequest request = gatehouse::gateway::read_proxy_request(body, endpoint);
      if (request.model_name.empty()) __builtin_trap();  // the reader promises a model
    } catch (const gatehouse::Error&) {
    }
  }
  return 0;
}
