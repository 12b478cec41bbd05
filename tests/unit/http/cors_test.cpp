// CorsPolicy against Starlette's CORSMiddleware behaviour (what vLLM's CORS flags configure).
#include "http/cors.h"

#include <gtest/gtest.h>

namespace gatehouse::http {
namespace {

Request request(std::string method, Headers headers) {
  Request out;
  out.method = std::move(method);
  out.target = out.path = "/v1/chat/completions";
  out.headers = std::move(headers);
  return out;
}

Request preflight_request(std::string origin, std::string method, std::optional<std::string> headers = std::nullopt) {
  Headers list{{"origin", std::move(origin)}, {"access-control-request-method", std::move(method)}};
  if (headers) list.emplace_back("access-control-request-headers", std::move(*headers));
  return request("OPTIONS", std::move(list));
}

std::optional<std::string> header(const Response& response, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [key, value] : response.headers) {
    if (key == name) {
      EXPECT_FALSE(found) << "two " << name << " headers";
      found = value;
    }
  }
  return found;
}

TEST(CorsPolicy, DefaultsAllowEveryOriginMethodAndHeader) {
  const CorsPolicy policy(CorsOptions{});
  const std::optional<Response> answer = policy.preflight(preflight_request("https://app.example", "POST", "Authorization, X-Custom"));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, "OK");
  EXPECT_EQ(header(*answer, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(header(*answer, "Access-Control-Allow-Methods"), "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
  EXPECT_EQ(header(*answer, "Access-Control-Allow-Headers"), "Authorization, X-Custom");  // echoed
  EXPECT_EQ(header(*answer, "Access-Control-Max-Age"), "600");
  EXPECT_FALSE(header(*answer, "Access-Control-Allow-Credentials"));
  EXPECT_FALSE(header(*answer, "Vary"));

  Response response = Response::json(200, "{}");
  policy.apply(request("POST", {{"origin", "https://app.example"}}), response);
  EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(header(response, "Vary"));
}

TEST(CorsPolicy, OnlyRequestsWithOriginAreTouched) {
  const CorsPolicy policy(CorsOptions{});
  EXPECT_FALSE(policy.preflight(request("OPTIONS", {{"access-control-request-method", "POST"}})));
  EXPECT_FALSE(policy.preflight(request("OPTIONS", {{"origin", "https://app.example"}})));  // not a preflight
  EXPECT_FALSE(policy.preflight(request("POST", {{"origin", "https://a"}, {"access-control-request-method", "POST"}})));
  Response response = Response::json(200, "{}");
  policy.apply(request("GET", {}), response);
  EXPECT_EQ(response.headers.size(), 1u);  // Content-Type only
}

TEST(CorsPolicy, ListedOriginsAreEchoedAndOthersRefused) {
  const CorsPolicy policy(CorsOptions{.allowed_origins = {"https://a.example", "http://localhost:3000"},
                                      .allowed_methods = {"GET", "POST"},
                                      .allowed_headers = {"Authorization"}});
  const std::optional<Response> allowed = policy.preflight(
      preflight_request("http://localhost:3000", "POST", "content-type,authorization"));
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  EXPECT_EQ(header(*allowed, "Access-Control-Allow-Origin"), "http://localhost:3000");
  EXPECT_EQ(header(*allowed, "Vary"), "Origin");
  EXPECT_EQ(header(*allowed, "Access-Control-Allow-Methods"), "GET, POST");
  EXPECT_EQ(header(*allowed, "Access-Control-Allow-Headers"), "Accept, Accept-Language, Authorization, Content-Language, Content-Type");

  const std::optional<Response> origin = policy.preflight(preflight_request("https://evil.example", "POST"));
  EXPECT_EQ(origin->status, 400);
  EXPECT_EQ(origin->body, "Disallowed CORS origin");
  EXPECT_FALSE(header(*origin, "Access-Control-Allow-Origin"));
  // Origins are compared exactly, as browsers send them.
  EXPECT_EQ(policy.preflight(preflight_request("https://a.example/", "GET"))->body, "Disallowed CORS origin");
  EXPECT_EQ(policy.preflight(preflight_request("https://A.example", "GET"))->body, "Disallowed CORS origin");

  EXPECT_EQ(policy.preflight(preflight_request("https://a.example", "DELETE"))->body, "Disallowed CORS method");
  EXPECT_EQ(policy.preflight(preflight_request("https://a.example", "post"))->body, "Disallowed CORS method");
  EXPECT_EQ(policy.preflight(preflight_request("https://a.example", "POST", "X-Other"))->body, "Disallowed CORS headers");
  EXPECT_EQ(policy.preflight(preflight_request("https://a.example", "POST", "authorization,"))->body, "Disallowed CORS headers");
  EXPECT_EQ(policy.preflight(preflight_request("https://b.example", "PUT", "x"))->body,
            "Disallowed CORS origin, method, headers");

  Response response = Response::json(200, "{}");
  response.headers.emplace_back("Vary", "Accept-Encoding");
  policy.apply(request("POST", {{"origin", "https://a.example"}}), response);
  EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), "https://a.example");
  EXPECT_EQ(header(response, "Vary"), "Accept-Encoding, Origin");
  Response refused = Response::json(200, "{}");
  policy.apply(request("POST", {{"origin", "https://evil.example"}}), refused);
  EXPECT_FALSE(header(refused, "Access-Control-Allow-Origin"));
}

TEST(CorsPolicy, CredentialsNeverAnswerWithAWildcardOrigin) {
  const CorsPolicy policy(CorsOptions{.allow_credentials = true});
  const std::optional<Response> answer = policy.preflight(preflight_request("https://app.example", "POST"));
  ASSERT_TRUE(answer);
  EXPECT_EQ(header(*answer, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(header(*answer, "Vary"), "Origin");
  EXPECT_EQ(header(*answer, "Access-Control-Allow-Credentials"), "true");

  Response with_cookie = Response::json(200, "{}");
  policy.apply(request("POST", {{"origin", "https://app.example"}, {"cookie", "a=b"}}), with_cookie);
  EXPECT_EQ(header(with_cookie, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(header(with_cookie, "Vary"), "Origin");
  EXPECT_EQ(header(with_cookie, "Access-Control-Allow-Credentials"), "true");
  // Starlette answers "*" to a request without cookies (a browser sends credentials only with them).
  Response plain = Response::json(200, "{}");
  policy.apply(request("POST", {{"origin", "https://app.example"}}), plain);
  EXPECT_EQ(header(plain, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(header(plain, "Access-Control-Allow-Credentials"), "true");
}

TEST(CorsPolicy, ExposedHeadersGoOnAnswersNotPreflights) {
  CorsOptions options;
  options.expose_headers = {"X-Repo-Commit", "ETag"};
  const CorsPolicy policy(std::move(options));
  Response response = Response::json(200, "{}");
  policy.apply(request("GET", {{"origin", "https://app.example"}}), response);
  EXPECT_EQ(header(response, "Access-Control-Expose-Headers"), "X-Repo-Commit, ETag");
  Response without_origin = Response::json(200, "{}");
  policy.apply(request("GET", {}), without_origin);
  EXPECT_FALSE(header(without_origin, "Access-Control-Expose-Headers"));
  const std::optional<Response> answer = policy.preflight(preflight_request("https://app.example", "GET"));
  ASSERT_TRUE(answer);
  EXPECT_FALSE(header(*answer, "Access-Control-Expose-Headers"));
  Response unexposed = Response::json(200, "{}");
  CorsPolicy(CorsOptions{}).apply(request("GET", {{"origin", "https://app.example"}}), unexposed);
  EXPECT_FALSE(header(unexposed, "Access-Control-Expose-Headers"));
}

}  // namespace
}  // namespace gatehouse::http
