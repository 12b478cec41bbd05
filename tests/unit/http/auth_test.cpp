#include "http/auth.h"

#include <gtest/gtest.h>

namespace gatehouse::http {
namespace {

Request with_authorization(std::string value) {
  Request request;
  request.headers.emplace_back("authorization", std::move(value));
  return request;
}

TEST(HttpAuth, ReadsTheCredentialsAfterAnAcceptedScheme) {
  EXPECT_EQ(authorization_credentials(with_authorization("Bearer abc"), {"Bearer"}), "abc");
  EXPECT_EQ(authorization_credentials(with_authorization("bearer abc"), {"Bearer"}), "abc");
  EXPECT_EQ(authorization_credentials(with_authorization("TOKEN t 1"), {"Token", "Bearer"}), "t 1");
  EXPECT_EQ(authorization_credentials(with_authorization("Bearer abc"), {"Token", "Bearer"}), "abc");
}

TEST(HttpAuth, NothingForOtherSchemesOrNoCredentials) {
  EXPECT_EQ(authorization_credentials(Request{}, {"Bearer"}), std::nullopt);
  EXPECT_EQ(authorization_credentials(with_authorization("Basic YTpi"), {"Bearer"}), std::nullopt);
  EXPECT_EQ(authorization_credentials(with_authorization("Bearer"), {"Bearer"}), std::nullopt);
  EXPECT_EQ(authorization_credentials(with_authorization("Bearer "), {"Bearer"}), std::nullopt);
  EXPECT_EQ(authorization_credentials(with_authorization("Bearerabc"), {"Bearer"}), std::nullopt);
  EXPECT_EQ(authorization_credentials(with_authorization("Token abc"), {"Bearer"}), std::nullopt);
}

TEST(HttpAuth, ConstantTimeEquals) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("secret", "secret"));
  EXPECT_FALSE(constant_time_equals("secret", "secreT"));
  EXPECT_FALSE(constant_time_equals("secret", "secret2"));
  EXPECT_FALSE(constant_time_equals("", "x"));
}

}  // namespace
}  // namespace gatehouse::http
