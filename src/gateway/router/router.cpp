#include "gateway/router/router.h"

#include <algorithm>
#include <numeric>

#include "base/error.h"
#include "gateway/router/model_pattern.h"

namespace gatehouse::gateway {

using std::chrono::steady_clock;

std::string_view routing_strategy_name(RoutingStrategy strategy) {
  switch (strategy) {
    case RoutingStrategy::simple_shuffle: return "simple-shuffle";
    case RoutingStrategy::least_busy: return "least-busy";
    case RoutingStrategy::latency_based: return "latency-based-routing";
    case RoutingStrategy::usage_based: return "usage-based-routing";
  }
  return "simple-shuffle";
}

std::optional<RoutingStrategy> parse_routing_strategy(std::string_view name) {
  if (name == "simple-shuffle") return RoutingStrategy::simple_shuffle;
  if (name == "least-busy") return RoutingStrategy::least_busy;
  if (name == "latency-based-routing") return RoutingStrategy::latency_based;
  if (name == "usage-based-routing" || name == "usage-based-routing-v2") return RoutingStrategy::usage_based;
  return std::nullopt;
}

double cost(const Deployment& deployment, int64_t prompt_tokens, int64_t completion_tokens) {
  return deployment.input_cost_per_token * double(prompt_tokens) +
         deployment.output_cost_per_token * double(completion_tokens);
}

Router::Router(std::vector<Deployment> deployments, RouterSettings settings, Clock clock, std::optional<uint64_t> seed)
    : deployments_(std::move(deployments)),
      settings_(std::move(settings)),
      clock_(std::move(clock)),
      epoch_(clock_()),
      states_(deployments_.size()),
      random_(seed ? *seed : std::random_device{}()) {
  for (size_t index = 0; index < deployments_.size(); ++index) {
    auto& group = groups_[deployments_[index].model_name];
    if (group.empty()) model_names_.push_back(deployments_[index].model_name);
    group.push_back(index);
  }
  for (const std::string& name : model_names_)
    if (is_model_pattern(name)) patterns_.push_back(name);
  std::stable_sort(patterns_.begin(), patterns_.end(), [](const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return a.size() > b.size();
    return std::count(a.begin(), a.end(), '*') > std::count(b.begin(), b.end(), '*');
  });
}

const std::vector<size_t>* Router::group_for(std::string_view model_name) const {
  if (auto group = groups_.find(model_name); group != groups_.end()) return &group->second;
  for (const std::string& pattern : patterns_)
    if (match_model_pattern(pattern, model_name)) return &groups_.find(pattern)->second;
  return nullptr;
}

bool Router::has_model(std::string_view model_name) const { return group_for(model_name) != nullptr; }

std::optional<std::string> Router::group_name(std::string_view model_name) const {
  if (groups_.find(model_name) != groups_.end()) return std::string(model_name);
  for (const std::string& pattern : patterns_)
    if (match_model_pattern(pattern, model_name)) return pattern;
  return std::nullopt;
}

std::vector<std::string> Router::model_names() const { return model_names_; }

std::vector<std::string> Router::fallbacks(std::string_view model_name) const {
  const std::vector<std::string>* wildcard = nullptr;
  for (const auto& [group, targets] : settings_.fallbacks) {
    if (group == model_name) return targets;
    if (group == "*" && !wildcard) wildcard = &targets;
  }
  return wildcard ? *wildcard : std::vector<std::string>{};
}

size_t Router::index_of(const Deployment& deployment) const {
  // The proxy hands back what pick() returned; anything else is a bug.
  GH_CHECK(!deployments_.empty() && &deployment >= deployments_.data() &&
           &deployment < deployments_.data() + deployments_.size());
  return size_t(&deployment - deployments_.data());
}

Router::State& Router::current(size_t index, steady_clock::time_point now) {
  State& state = states_[index];
  const int64_t minute = std::chrono::duration_cast<std::chrono::minutes>(now - epoch_).count();
  if (state.minute != minute) {
    state.minute = minute;
    state.requests = state.tokens = state.fails = 0;
  }
  return state;
}

bool Router::available(size_t index, steady_clock::time_point now) {
  const State& state = current(index, now);
  const Deployment& deployment = deployments_[index];
  if (state.cooldown_until > now) return false;
  if (deployment.rpm && state.requests >= *deployment.rpm) return false;
  if (deployment.tpm && state.tokens >= *deployment.tpm) return false;
  return true;
}

const Deployment* Router::pick(std::string_view model_name, const std::vector<std::string>& tried) {
  const std::vector<size_t>* group = group_for(model_name);
  if (!group) return nullptr;
  std::vector<size_t> candidates;
  candidates.reserve(group->size());
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  for (size_t index : *group) {
    if (std::find(tried.begin(), tried.end(), deployments_[index].id) != tried.end()) continue;
    if (available(index, now)) candidates.push_back(index);
  }
  if (candidates.empty()) return nullptr;
  return &deployments_[choose(candidates)];
}

// The strategy's choice among the candidates (at least one). Caller holds mutex_.
size_t Router::choose(const std::vector<size_t>& candidates) {
  if (settings_.strategy == RoutingStrategy::simple_shuffle) {
    double total = 0;
    for (size_t index : candidates) total += std::max(deployments_[index].weight, 0.0);
    if (total > 0) {
      double point = std::uniform_real_distribution<double>(0, total)(random_);
      for (size_t index : candidates) {
        point -= std::max(deployments_[index].weight, 0.0);
        if (point < 0) return index;
      }
      return candidates.back();  // rounding left the point at the very end
    }
    return candidates[std::uniform_int_distribution<size_t>(0, candidates.size() - 1)(random_)];
  }
  // The other strategies pick the lowest score; ties are broken at random so that equal
  // deployments share the load.
  auto score = [&](size_t index) -> double {
    const State& state = states_[index];
    switch (settings_.strategy) {
      case RoutingStrategy::least_busy: return double(state.in_flight);
      case RoutingStrategy::usage_based: return double(state.tokens);
      case RoutingStrategy::latency_based: {
        // A deployment with no successes yet scores 0, so that it gets tried (as in LiteLLM).
        if (state.latency_count == 0) return 0;
        const auto sum = std::accumulate(state.latencies, state.latencies + state.latency_count,
                                         std::chrono::microseconds(0));
        return double(sum.count()) / double(state.latency_count);
      }
      case RoutingStrategy::simple_shuffle: break;
    }
    return 0;
  };
  double best = score(candidates.front());
  std::vector<size_t> lowest;
  for (size_t index : candidates) {
    const double value = score(index);
    if (value < best) {
      best = value;
      lowest.clear();
    }
    if (value == best) lowest.push_back(index);
  }
  return lowest[std::uniform_int_distribution<size_t>(0, lowest.size() - 1)(random_)];
}

void Router::on_start(const Deployment& deployment) {
  const size_t index = index_of(deployment);
  std::lock_guard lock(mutex_);
  State& state = current(index, clock_());
  ++state.in_flight;
  ++state.requests;
}

void Router::on_success(const Deployment& deployment, std::chrono::microseconds latency, int64_t total_tokens) {
  const size_t index = index_of(deployment);
  std::lock_guard lock(mutex_);
  State& state = current(index, clock_());
  state.in_flight = std::max<int64_t>(state.in_flight - 1, 0);
  state.tokens += std::max<int64_t>(total_tokens, 0);
  state.latencies[state.latency_next] = latency;
  state.latency_next = (state.latency_next + 1) % kLatencySamples;
  state.latency_count = std::min(state.latency_count + 1, kLatencySamples);
}

void Router::on_failure(const Deployment& deployment, int status) {
  const size_t index = index_of(deployment);
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  State& state = current(index, now);
  state.in_flight = std::max<int64_t>(state.in_flight - 1, 0);
  const bool alone = groups_.find(deployment.model_name)->second.size() == 1;
  if (status == 401 || status == 404 || (status == 429 && !alone)) {
    start_cooldown(state, now);
    return;
  }
  if (status >= 400 && status < 500 && status != 408 && status != 429) return;
  if (++state.fails > settings_.allowed_fails) start_cooldown(state, now);
}

void Router::start_cooldown(State& state, steady_clock::time_point now) {
  if (state.cooldown_until <= now) ++cooldowns_;  // one already running is extended, not counted again
  state.cooldown_until = now + settings_.cooldown_time;
  state.fails = 0;
}

Router::Stats Router::stats() const {
  Stats stats;
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  stats.cooldowns = cooldowns_;
  for (size_t index = 0; index < deployments_.size(); ++index)
    if (states_[index].cooldown_until > now) stats.cooling_down.push_back(deployments_[index].id);
  return stats;
}

}  // namespace gatehouse::gateway
