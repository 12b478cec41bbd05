// How the Router chooses and retries: the config's router_settings (and the litellm_settings that
// LiteLLM reads for them), with LiteLLM's defaults. Plain value.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::gateway {

enum class RoutingStrategy {
  simple_shuffle,  // weighted random (LiteLLM's default)
  least_busy,      // fewest requests in flight
  latency_based,   // lowest mean latency of the last few successes
  usage_based,     // fewest tokens this minute (LiteLLM's usage-based-routing and -v2)
};

// LiteLLM's name of a strategy ("simple-shuffle", ...).
std::string_view routing_strategy_name(RoutingStrategy strategy);
// The strategy LiteLLM names `name` ("usage-based-routing-v2" is usage_based), or nullopt.
std::optional<RoutingStrategy> parse_routing_strategy(std::string_view name);

struct RouterSettings {
  RoutingStrategy strategy = RoutingStrategy::simple_shuffle;
  int num_retries = 2;  // LiteLLM's DEFAULT_MAX_RETRIES
  // Model group -> the groups to try, in order, once its own retries are spent; LiteLLM's
  // [{"gpt-3.5": ["gpt-4"]}]. A group named "*" is the fallback of every group.
  std::vector<std::pair<std::string, std::vector<std::string>>> fallbacks;
  std::chrono::milliseconds cooldown_time{5000};  // LiteLLM's DEFAULT_COOLDOWN_TIME_SECONDS
  int allowed_fails = 3;                          // failures a minute before a cooldown (DEFAULT_ALLOWED_FAILS)
  // A request's timeout unless its deployment sets one: router_settings.timeout, else
  // litellm_settings.request_timeout, else LiteLLM's request_timeout of 6000 s.
  std::optional<std::chrono::milliseconds> timeout = std::chrono::milliseconds(6'000'000);
  std::chrono::milliseconds retry_after{0};  // the least wait before a retry
};

}  // namespace gatehouse::gateway
