#include "control/login_throttle.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace gatehouse::control {
namespace {

using namespace std::chrono_literals;
using Clock = LoginThrottle::Clock;

class LoginThrottleTest : public ::testing::Test {
 protected:
  LoginThrottle make(LoginThrottle::Options options = {}) {
    return LoginThrottle(options, [this] { return now_; });
  }
  void fail(LoginThrottle& throttle, const std::string& client, int times) {
    for (int i = 0; i < times; ++i) throttle.record_failure(client);
  }

  Clock::time_point now_ = Clock::time_point() + 1000h;
};

TEST_F(LoginThrottleTest, DelaysGrowAfterTheFreeFailures) {
  LoginThrottle throttle = make();
  fail(throttle, "10.0.0.1", 4);
  EXPECT_EQ(throttle.retry_after("10.0.0.1"), 0s);
  std::vector<std::chrono::seconds> delays;
  for (int i = 0; i < 12; ++i) {
    throttle.record_failure("10.0.0.1");
    delays.push_back(throttle.retry_after("10.0.0.1"));
    now_ += delays.back();  // the client waits as told, then fails again
    EXPECT_EQ(throttle.retry_after("10.0.0.1"), 0s);
  }
  EXPECT_EQ(delays, (std::vector<std::chrono::seconds>{1s, 2s, 4s, 8s, 16s, 32s, 64s, 128s, 256s, 300s, 300s, 300s}));
}

TEST_F(LoginThrottleTest, RetryAfterCountsDownInWholeSeconds) {
  LoginThrottle throttle = make();
  fail(throttle, "c", 7);  // the 7th failure asks for 4 s
  EXPECT_EQ(throttle.retry_after("c"), 4s);
  now_ += 1500ms;
  EXPECT_EQ(throttle.retry_after("c"), 3s);  // 2.5 s, rounded up
  now_ += 2499ms;
  EXPECT_EQ(throttle.retry_after("c"), 1s);
  now_ += 1ms;
  EXPECT_EQ(throttle.retry_after("c"), 0s);
}

TEST_F(LoginThrottleTest, ClientsAreThrottledSeparately) {
  LoginThrottle throttle = make();
  fail(throttle, "attacker", 6);
  EXPECT_EQ(throttle.retry_after("attacker"), 2s);
  EXPECT_EQ(throttle.retry_after("someone else"), 0s);
  fail(throttle, "someone else", 1);
  EXPECT_EQ(throttle.retry_after("someone else"), 0s);
}

TEST_F(LoginThrottleTest, SuccessResets) {
  LoginThrottle throttle = make();
  fail(throttle, "c", 6);
  now_ += 2s;
  throttle.record_success("c");
  EXPECT_EQ(throttle.tracked_clients(), 0u);
  fail(throttle, "c", 4);
  EXPECT_EQ(throttle.retry_after("c"), 0s);
  fail(throttle, "c", 1);
  EXPECT_EQ(throttle.retry_after("c"), 1s);
}

TEST_F(LoginThrottleTest, AQuietWindowForgetsFailures) {
  LoginThrottle throttle = make();
  fail(throttle, "c", 4);
  now_ += 15min;
  fail(throttle, "c", 4);
  EXPECT_EQ(throttle.retry_after("c"), 0s);
  // Failures within the window add up, even when spread out.
  now_ += 14min;
  fail(throttle, "c", 1);
  EXPECT_EQ(throttle.retry_after("c"), 1s);
}

TEST_F(LoginThrottleTest, MemoryIsBounded) {
  LoginThrottle throttle = make({.max_clients = 3});
  for (int i = 0; i < 5; ++i) fail(throttle, "client-" + std::to_string(i), 5);
  EXPECT_EQ(throttle.tracked_clients(), 3u);
  EXPECT_EQ(throttle.retry_after("client-0"), 0s);  // the least recently failing were forgotten
  EXPECT_EQ(throttle.retry_after("client-1"), 0s);
  EXPECT_EQ(throttle.retry_after("client-4"), 1s);
  // A failure refreshes a client: client-2 is now the newest, so client-3 goes next.
  fail(throttle, "client-2", 1);
  fail(throttle, "client-5", 1);
  EXPECT_EQ(throttle.retry_after("client-2"), 2s);
  EXPECT_EQ(throttle.retry_after("client-3"), 0s);

  // Entries quiet for a whole window go on the next failure, whatever the cap.
  now_ += 15min;
  fail(throttle, "fresh", 1);
  EXPECT_EQ(throttle.tracked_clients(), 1u);
}

TEST_F(LoginThrottleTest, IsThreadSafe) {
  LoginThrottle throttle(LoginThrottle::Options{.max_clients = 64});  // the real clock
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string client = "10.0." + std::to_string(t) + "." + std::to_string(i % 100);
        throttle.record_failure(client);
        throttle.retry_after(client);
        if (i % 7 == 0) throttle.record_success(client);
        throttle.record_failure("shared");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(throttle.tracked_clients(), 64u);
  EXPECT_EQ(throttle.retry_after("shared"), 300s);
}

}  // namespace
}  // namespace gatehouse::control
