// Chooses which deployment of a model group serves a request, as LiteLLM's Router does: one of the
// routing strategies among the deployments not yet tried for the request, not cooling down and
// under their rpm/tpm this minute. The caller reports each attempt (on_start, then on_success or
// on_failure) and the router keeps the counts the strategies, the limits and the cooldowns read.
// Retries and fallbacks are the caller's loop; the router says how many and to which groups.
// Thread-safe: any number of threads may call any member at once. Owns its deployments; the
// pointers pick() returns stay valid for the Router's lifetime.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/router/deployment.h"
#include "gateway/router/router_settings.h"

namespace gatehouse::gateway {

class Router {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `seed` fixes the random choices (tests); without it they are seeded from the system.
  Router(std::vector<Deployment> deployments, RouterSettings settings,
         Clock clock = [] { return std::chrono::steady_clock::now(); }, std::optional<uint64_t> seed = std::nullopt);

  // A requested name is served by the group of that model_name or, failing one, by the most
  // specific wildcard model_name matching it (the longest, then the one with more stars:
  // LiteLLM's order; model_pattern.h).
  bool has_model(std::string_view model_name) const;
  // The model_name of the group serving a requested name (the pattern itself for a wildcard
  // group): what metrics are labelled with, so clients cannot mint label values. nullopt: none.
  std::optional<std::string> group_name(std::string_view model_name) const;
  std::vector<std::string> model_names() const;  // each model_name once, in config order

  // The next deployment of model_name to try, skipping the ids in `tried`, those cooling down and
  // those at their rpm or tpm this minute; nullptr when none is left or the name is unknown.
  const Deployment* pick(std::string_view model_name, const std::vector<std::string>& tried);

  // An attempt began: counts it in flight (least-busy) and against the deployment's rpm.
  void on_start(const Deployment& deployment);
  // The attempt succeeded: its latency (latency-based) and tokens (tpm, usage-based).
  void on_success(const Deployment& deployment, std::chrono::microseconds latency, int64_t total_tokens);
  // The attempt failed with an upstream HTTP status (0: no answer at all, e.g. refused or cut).
  // As LiteLLM: 401 and 404 cool the deployment down at once, and so does 429 when its group has
  // another deployment; 408, 429 alone, 5xx and 0 count, and more than allowed_fails in a minute
  // cool it down; other 4xx are the request's fault and count nothing. A cooldown lasts cooldown_time.
  void on_failure(const Deployment& deployment, int status);

  // The model groups to try after model_name's own retries (its fallbacks entry, else "*"'s).
  std::vector<std::string> fallbacks(std::string_view model_name) const;
  const RouterSettings& settings() const { return settings_; }

  struct Stats {
    uint64_t cooldowns = 0;                 // cooldowns started since the router was made
    std::vector<std::string> cooling_down;  // ids of the deployments cooling down now
  };
  Stats stats() const;

 private:
  static constexpr size_t kLatencySamples = 10;  // LiteLLM's lowest-latency keeps the last 10

  struct State {
    int64_t in_flight = 0;
    int64_t minute = -1;  // the minute the counts below belong to
    int64_t requests = 0, tokens = 0, fails = 0;
    std::chrono::microseconds latencies[kLatencySamples]{};
    size_t latency_count = 0, latency_next = 0;
    std::chrono::steady_clock::time_point cooldown_until{};
  };

  size_t index_of(const Deployment& deployment) const;
  // The deployment indices serving a requested name; nullptr when none does.
  const std::vector<size_t>* group_for(std::string_view model_name) const;
  // The state with its per-minute counts rolled over to the current minute. Caller holds mutex_.
  State& current(size_t index, std::chrono::steady_clock::time_point now);
  bool available(size_t index, std::chrono::steady_clock::time_point now);
  size_t choose(const std::vector<size_t>& candidates);
  void start_cooldown(State& state, std::chrono::steady_clock::time_point now);

  const std::vector<Deployment> deployments_;
  const RouterSettings settings_;
  const Clock clock_;
  const std::chrono::steady_clock::time_point epoch_;
  std::vector<std::string> model_names_;
  std::map<std::string, std::vector<size_t>, std::less<>> groups_;  // model_name -> deployment indices
  std::vector<std::string> patterns_;  // the wildcard model_names, the most specific first

  mutable std::mutex mutex_;
  std::vector<State> states_;  // by deployment index
  std::mt19937_64 random_;
  uint64_t cooldowns_ = 0;
};

}  // namespace gatehouse::gateway
