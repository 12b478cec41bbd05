#include "gateway/router/router.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

namespace gatehouse::gateway {
namespace {

using namespace std::chrono_literals;
using Time = std::chrono::steady_clock::time_point;

Deployment deployment(std::string id, std::string model_name = "m") {
  Deployment result;
  result.id = std::move(id);
  result.model_name = std::move(model_name);
  result.model = "openai/x";
  return result;
}

// A clock the test moves by hand.
struct FakeClock {
  std::shared_ptr<Time> now = std::make_shared<Time>(Time{} + 1000h);
  Router::Clock clock() const {
    return [now = now] { return *now; };
  }
  void advance(std::chrono::milliseconds by) { *now += by; }
};

RouterSettings strategy(RoutingStrategy chosen) {
  RouterSettings settings;
  settings.strategy = chosen;
  return settings;
}

std::map<std::string, int> spread(Router& router, int picks) {
  std::map<std::string, int> counts;
  for (int i = 0; i < picks; ++i) ++counts[router.pick("m", {})->id];
  return counts;
}

TEST(Router, SimpleShuffleFollowsWeights) {
  auto light = deployment("light"), heavy = deployment("heavy");
  light.weight = 1;
  heavy.weight = 3;
  Router router({light, heavy}, RouterSettings{}, FakeClock().clock(), 42);
  auto counts = spread(router, 20000);
  EXPECT_NEAR(counts["heavy"] / 20000.0, 0.75, 0.02);
  EXPECT_NEAR(counts["light"] / 20000.0, 0.25, 0.02);
}

TEST(Router, SimpleShuffleSpreadsEvenlyWithoutWeightsAndSkipsZeroWeight) {
  std::vector<Deployment> list = {deployment("a"), deployment("b"), deployment("c"), deployment("off")};
  list[3].weight = 0;
  Router router(list, RouterSettings{}, FakeClock().clock(), 7);
  auto counts = spread(router, 30000);
  EXPECT_EQ(counts.count("off"), 0u);
  for (const char* id : {"a", "b", "c"}) EXPECT_NEAR(counts[id] / 30000.0, 1 / 3.0, 0.02) << id;
}

TEST(Router, SeededChoicesRepeat) {
  std::vector<Deployment> list = {deployment("a"), deployment("b"), deployment("c")};
  Router first(list, RouterSettings{}, FakeClock().clock(), 99), second(list, RouterSettings{}, FakeClock().clock(), 99);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(first.pick("m", {})->id, second.pick("m", {})->id);
}

TEST(Router, PickSkipsTriedAndUnknownModels) {
  Router router({deployment("a"), deployment("b"), deployment("x", "other")}, RouterSettings{}, FakeClock().clock(), 1);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(router.pick("m", {"a"})->id, "b");
  EXPECT_EQ(router.pick("m", {"a", "b"}), nullptr);
  EXPECT_EQ(router.pick("nope", {}), nullptr);
  EXPECT_EQ(router.pick("other", {})->id, "x");
}

// LiteLLM's wildcard groups: an exact model_name first, then the most specific pattern.
TEST(Router, WildcardModelNamesServeWhatTheyMatch) {
  Router router({deployment("exact", "gpt-4o"), deployment("any", "*"), deployment("openai", "openai/*"),
                 deployment("mini", "openai/*-mini")},
                RouterSettings{}, FakeClock().clock(), 1);
  EXPECT_EQ(router.pick("gpt-4o", {})->id, "exact");
  EXPECT_EQ(router.pick("llama", {})->id, "any");
  EXPECT_EQ(router.pick("openai/gpt-4.1", {})->id, "openai");
  EXPECT_EQ(router.pick("openai/gpt-4o-mini", {})->id, "mini");
  EXPECT_TRUE(router.has_model("whatever/else"));
  // Metrics carry the group's name, so a client cannot mint label values.
  EXPECT_EQ(router.group_name("gpt-4o"), "gpt-4o");
  EXPECT_EQ(router.group_name("openai/gpt-4o-mini"), "openai/*-mini");
  EXPECT_EQ(router.group_name("made-up-1234"), "*");
  EXPECT_EQ(router.model_names(), (std::vector<std::string>{"gpt-4o", "*", "openai/*", "openai/*-mini"}));
  Router narrow({deployment("openai", "openai/*")}, RouterSettings{});
  EXPECT_FALSE(narrow.has_model("gpt-4o"));
  EXPECT_EQ(narrow.pick("gpt-4o", {}), nullptr);
  EXPECT_EQ(narrow.group_name("gpt-4o"), std::nullopt);
}

TEST(Router, ModelNamesInConfigOrder) {
  Router router({deployment("1", "zeta"), deployment("2", "alpha"), deployment("3", "zeta")}, RouterSettings{});
  EXPECT_EQ(router.model_names(), (std::vector<std::string>{"zeta", "alpha"}));
  EXPECT_TRUE(router.has_model("alpha"));
  EXPECT_FALSE(router.has_model("beta"));
}

TEST(Router, LeastBusyPicksFewestInFlight) {
  Router router({deployment("a"), deployment("b")}, strategy(RoutingStrategy::least_busy), FakeClock().clock(), 3);
  const Deployment* a = router.pick("m", {"b"});
  router.on_start(*a);
  router.on_start(*a);
  const Deployment* b = router.pick("m", {});
  ASSERT_EQ(b->id, "b");
  router.on_start(*b);
  EXPECT_EQ(router.pick("m", {})->id, "b");  // 2 in flight on a, 1 on b
  router.on_success(*a, 1ms, 10);
  router.on_failure(*a, 500);
  EXPECT_EQ(router.pick("m", {})->id, "a");  // a finished both
}

TEST(Router, LatencyBasedPicksFastestAndTriesUnmeasuredFirst) {
  Router router({deployment("slow"), deployment("fast"), deployment("new")},
                strategy(RoutingStrategy::latency_based), FakeClock().clock(), 5);
  const Deployment* slow = router.pick("m", {"fast", "new"});
  const Deployment* fast = router.pick("m", {"slow", "new"});
  for (int i = 0; i < 3; ++i) {
    router.on_start(*slow);
    router.on_success(*slow, 200ms, 10);
    router.on_start(*fast);
    router.on_success(*fast, 20ms, 10);
  }
  EXPECT_EQ(router.pick("m", {})->id, "new");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(router.pick("m", {"new"})->id, "fast");
  // The mean covers the last samples only: fast turning slow loses its place.
  for (int i = 0; i < 10; ++i) {
    router.on_start(*fast);
    router.on_success(*fast, 500ms, 10);
  }
  EXPECT_EQ(router.pick("m", {"new"})->id, "slow");
}

TEST(Router, UsageBasedPicksFewestTokensThisMinute) {
  FakeClock time;
  Router router({deployment("a"), deployment("b")}, strategy(RoutingStrategy::usage_based), time.clock(), 11);
  const Deployment* a = router.pick("m", {"b"});
  const Deployment* b = router.pick("m", {"a"});
  router.on_start(*a);
  router.on_success(*a, 1ms, 500);
  router.on_start(*b);
  router.on_success(*b, 1ms, 100);
  EXPECT_EQ(router.pick("m", {})->id, "b");
  router.on_start(*b);
  router.on_success(*b, 1ms, 1000);
  EXPECT_EQ(router.pick("m", {})->id, "a");
  time.advance(60s);  // a new minute: both at 0, either may be chosen
  std::map<std::string, int> counts = spread(router, 200);
  EXPECT_GT(counts["a"], 0);
  EXPECT_GT(counts["b"], 0);
}

TEST(Router, RpmCapFiltersUntilTheNextMinute) {
  FakeClock time;
  auto limited = deployment("limited");
  limited.rpm = 2;
  Router router({limited}, RouterSettings{}, time.clock());
  for (int i = 0; i < 2; ++i) {
    const Deployment* chosen = router.pick("m", {});
    ASSERT_NE(chosen, nullptr);
    router.on_start(*chosen);
    router.on_success(*chosen, 1ms, 1);
  }
  EXPECT_EQ(router.pick("m", {}), nullptr);
  time.advance(60s);
  EXPECT_NE(router.pick("m", {}), nullptr);
}

TEST(Router, TpmCapFiltersToTheOtherDeployment) {
  FakeClock time;
  auto small = deployment("small"), other = deployment("other");
  small.tpm = 1000;
  Router router({small, other}, RouterSettings{}, time.clock(), 2);
  const Deployment* chosen = router.pick("m", {"other"});
  router.on_start(*chosen);
  router.on_success(*chosen, 1ms, 1000);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(router.pick("m", {})->id, "other");
  time.advance(61s);
  EXPECT_EQ(spread(router, 200).count("small"), 1u);
}

TEST(Router, CooldownAfterAllowedFailsAndRecovery) {
  FakeClock time;
  RouterSettings settings;
  settings.allowed_fails = 2;
  settings.cooldown_time = 5s;
  Router router({deployment("a"), deployment("b")}, settings, time.clock(), 4);
  const Deployment* a = router.pick("m", {"b"});
  for (int i = 0; i < 2; ++i) {
    router.on_start(*a);
    router.on_failure(*a, 503);
  }
  EXPECT_TRUE(router.stats().cooling_down.empty());  // 2 fails are allowed
  router.on_start(*a);
  router.on_failure(*a, 0);  // the third: no answer at all
  EXPECT_EQ(router.stats().cooling_down, std::vector<std::string>{"a"});
  EXPECT_EQ(router.stats().cooldowns, 1u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(router.pick("m", {})->id, "b");
  time.advance(4999ms);
  EXPECT_EQ(router.pick("m", {"b"}), nullptr);
  time.advance(1ms);
  EXPECT_EQ(router.pick("m", {"b"})->id, "a");
  EXPECT_TRUE(router.stats().cooling_down.empty());
}

TEST(Router, FailuresCountPerMinute) {
  FakeClock time;
  RouterSettings settings;
  settings.allowed_fails = 1;
  Router router({deployment("a")}, settings, time.clock());
  const Deployment* a = router.pick("m", {});
  router.on_failure(*a, 500);
  time.advance(60s);
  router.on_failure(*a, 500);  // one in each minute: never more than allowed
  EXPECT_EQ(router.stats().cooldowns, 0u);
  router.on_failure(*a, 408);
  EXPECT_EQ(router.stats().cooldowns, 1u);
}

TEST(Router, StatusRulesFollowLiteLLM) {
  FakeClock time;
  Router router({deployment("a"), deployment("b"), deployment("alone", "single")}, RouterSettings{}, time.clock());
  const Deployment* a = router.pick("m", {"b"});
  const Deployment* b = router.pick("m", {"a"});
  const Deployment* alone = router.pick("single", {});
  for (int i = 0; i < 10; ++i) router.on_failure(*a, 400);  // the request's fault: not counted
  router.on_failure(*b, 422);
  EXPECT_TRUE(router.stats().cooling_down.empty());
  router.on_failure(*a, 429);  // rate limited, with another deployment to go to: at once
  EXPECT_EQ(router.stats().cooling_down, std::vector<std::string>{"a"});
  router.on_failure(*alone, 429);  // its group's only deployment: counted instead
  EXPECT_EQ(router.stats().cooling_down.size(), 1u);
  router.on_failure(*alone, 401);  // a wrong key will not get better: at once
  EXPECT_EQ(router.stats().cooling_down.size(), 2u);
  router.on_failure(*b, 404);
  EXPECT_EQ(router.stats().cooling_down.size(), 3u);
  EXPECT_EQ(router.pick("m", {}), nullptr);  // everything cools down
  EXPECT_EQ(router.pick("single", {}), nullptr);
  EXPECT_EQ(router.stats().cooldowns, 3u);
  time.advance(RouterSettings{}.cooldown_time);
  EXPECT_NE(router.pick("m", {}), nullptr);
}

TEST(Router, Fallbacks) {
  RouterSettings settings;
  settings.fallbacks = {{"small", {"big", "huge"}}, {"*", {"default"}}};
  Router router({deployment("a")}, settings);
  EXPECT_EQ(router.fallbacks("small"), (std::vector<std::string>{"big", "huge"}));
  EXPECT_EQ(router.fallbacks("other"), std::vector<std::string>{"default"});
  settings.fallbacks.pop_back();
  EXPECT_TRUE(Router({deployment("a")}, settings).fallbacks("other").empty());
}

TEST(Router, Cost) {
  auto priced = deployment("a");
  priced.input_cost_per_token = 1e-6;
  priced.output_cost_per_token = 2e-6;
  EXPECT_DOUBLE_EQ(cost(priced, 1000, 500), 0.002);
  EXPECT_EQ(cost(deployment("free"), 1000, 500), 0);
}

TEST(Router, StrategyNames) {
  EXPECT_EQ(parse_routing_strategy("usage-based-routing-v2"), RoutingStrategy::usage_based);
  EXPECT_EQ(parse_routing_strategy("cost-based-routing"), std::nullopt);
  for (auto chosen : {RoutingStrategy::simple_shuffle, RoutingStrategy::least_busy, RoutingStrategy::latency_based,
                      RoutingStrategy::usage_based})
    EXPECT_EQ(parse_routing_strategy(routing_strategy_name(chosen)), chosen);
}

// Many threads pick and report at once. Pick and on_start are separate calls, so each thread can
// overshoot the rpm cap by at most the one request it picked before the others started theirs.
TEST(Router, ConcurrentUseKeepsCountsConsistent) {
  constexpr int kThreads = 8, kRpm = 5000;
  std::vector<Deployment> list;
  for (int i = 0; i < 4; ++i) {
    list.push_back(deployment("d" + std::to_string(i)));
    list.back().rpm = kRpm;
  }
  for (auto chosen : {RoutingStrategy::simple_shuffle, RoutingStrategy::least_busy, RoutingStrategy::latency_based,
                      RoutingStrategy::usage_based}) {
    RouterSettings settings = strategy(chosen);
    settings.allowed_fails = 1'000'000;
    Router router(list, settings, FakeClock().clock(), 8);
    std::atomic<int> started{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 4 * kRpm; ++i) {
          const Deployment* chosen_deployment = router.pick("m", {});
          if (!chosen_deployment) break;
          router.on_start(*chosen_deployment);
          ++started;
          if ((i + t) % 7 == 0) router.on_failure(*chosen_deployment, 500);
          else router.on_success(*chosen_deployment, std::chrono::microseconds(100 + i % 50), 10);
          if (i % 100 == 0) router.stats();
        }
      });
    for (auto& thread : threads) thread.join();
    EXPECT_GE(started.load(), 4 * kRpm) << routing_strategy_name(chosen);
    EXPECT_LE(started.load(), 4 * kRpm + 4 * (kThreads - 1)) << routing_strategy_name(chosen);
    EXPECT_EQ(router.pick("m", {}), nullptr);
    EXPECT_EQ(router.stats().cooldowns, 0u);
  }
}

}  // namespace
}  // namespace gatehouse::gateway
