// Fuzzes the gateway's config reader: any bytes are read as a config.yaml (YAML syntax, aliases,
// merge keys, os.environ/ references, every section). A config that reads is handed to a Router,
// which picks and is told of successes and failures for each model. Each step either succeeds or
// throws a gatehouse::Error; nothing may crash, hang, read out of bounds or grow without bound.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "gateway/config/gateway_config.h"
#include "gateway/router/router.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gatehouse::gateway::GatewayConfig config;
  try {
    config = gatehouse::gateway::parse_gateway_config(std::string_view(reinterpret_cast<const char*>(data), size),
                                                      "fuzz.yaml");
  } catch (const gatehouse::Error&) {
    return 0;
  }
  gatehouse::gateway::Router router(config.deployments, config.router, [] { return std::chrono::steady_clock::now(); }, 1);
  int status = 0;
  for (const std::string& name : router.model_names()) {
    std::vector<std::string> tried;
    // A few attempts per model, as a request's retries are: picks are linear in the group's size.
    while (const gatehouse::gateway::Deployment* deployment = tried.size() < 8 ? router.pick(name, tried) : nullptr) {
      router.on_start(*deployment);
      if (tried.size() % 2) router.on_success(*deployment, std::chrono::microseconds(tried.size()), 10);
      else router.on_failure(*deployment, (status += 101) % 600);
      (void)gatehouse::gateway::cost(*deployment, 3, 4);
      tried.push_back(deployment->id);
    }
    (void)router.fallbacks(name);
  }
  (void)router.stats();
  return 0;
}
