#include "gateway/upstream_error.h"

#include <gtest/gtest.h>

namespace gatehouse::gateway {
namespace {

TEST(UpstreamError, StatusesFollowLiteLlmsTable) {
  EXPECT_EQ(gateway_status_for_upstream(401), 401);
  EXPECT_EQ(gateway_status_for_upstream(429), 429);
  EXPECT_EQ(gateway_status_for_upstream(503), 503);
  EXPECT_EQ(gateway_status_for_upstream(500), 500);
  EXPECT_EQ(gateway_status_for_upstream(507), 500);
  EXPECT_EQ(gateway_status_for_upstream(302), 500);
  EXPECT_EQ(litellm_error_type(408), "Timeout");
  EXPECT_EQ(litellm_error_type(401), "AuthenticationError");
  EXPECT_EQ(litellm_error_type(502), "InternalServerError");
}

TEST(UpstreamError, OnlyTransientFailuresAreRetryable) {
  EXPECT_TRUE(UpstreamError(408, "timed out").retryable());
  EXPECT_TRUE(UpstreamError(429, "slow down", std::chrono::seconds(3)).retryable());
  EXPECT_TRUE(UpstreamError(502, "bad gateway").retryable());
  EXPECT_FALSE(UpstreamError(400, "bad").retryable());
  EXPECT_FALSE(UpstreamError(401, "no").retryable());
  EXPECT_EQ(UpstreamError(401, "no").code(), ErrorCode::unauthenticated);
  EXPECT_EQ(UpstreamError(429, "x", std::chrono::seconds(3)).retry_after(), std::chrono::seconds(3));
}

}  // namespace
}  // namespace gatehouse::gateway
