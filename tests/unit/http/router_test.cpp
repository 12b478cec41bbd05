#include "http/router.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gatehouse::http {
namespace {

RouteHandler answer(std::string name) {
  return [name](const Request&, const RouteParams& params) {
    std::string body = name;
    for (const auto& [key, value] : params.values) body += " " + key + "=" + value;
    return Response::text(200, body);
  };
}

std::string call(const Router& router, std::string_view method, std::string_view path) {
  RouteMatch match = router.find(method, path);
  if (match.kind != RouteMatch::Kind::found) return "";
  return (*match.handler)(Request{}, match.params).body;
}

Router deployments() {
  Router router;
  router.add("GET", "/deployment/", answer("list"));
  router.add("POST", "/deployment/", answer("create"));
  router.add("GET", "/deployment/{uuid}/", answer("one"));
  router.add("GET", "/deployment_logs/{uuid}", answer("logs"));
  router.add("GET", "/", answer("root"));
  return router;
}

TEST(HttpRouter, MatchesWithAndWithoutTheTrailingSlash) {
  const Router router = deployments();
  EXPECT_EQ(call(router, "GET", "/deployment/"), "list");
  EXPECT_EQ(call(router, "GET", "/deployment"), "list");
  EXPECT_EQ(call(router, "POST", "/deployment"), "create");
  EXPECT_EQ(call(router, "GET", "/deployment/abc"), "one uuid=abc");
  EXPECT_EQ(call(router, "GET", "/deployment_logs/abc/"), "logs uuid=abc");
  EXPECT_EQ(call(router, "GET", "/"), "root");
  EXPECT_EQ(call(router, "GET", ""), "root");
}

TEST(HttpRouter, ParametersAreOneNonEmptyDecodedSegment) {
  const Router router = deployments();
  EXPECT_EQ(call(router, "GET", "/deployment/a%20b%2Fc/"), "one uuid=a b/c");
  EXPECT_EQ(router.find("GET", "/deployment/a/b").kind, RouteMatch::Kind::no_such_path);
  EXPECT_EQ(router.find("GET", "/deployment//").kind, RouteMatch::Kind::no_such_path);
  EXPECT_EQ(router.find("GET", "/deployment/%zz").kind, RouteMatch::Kind::no_such_path);
  EXPECT_EQ(router.find("GET", "/deployments").kind, RouteMatch::Kind::no_such_path);
  EXPECT_EQ(router.find("GET", "/deployment//x").kind, RouteMatch::Kind::no_such_path);
  RouteMatch match = router.find("GET", "/deployment/u-1");
  EXPECT_EQ(match.params.at("uuid"), "u-1");
  EXPECT_EQ(match.params.find("name"), nullptr);
}

TEST(HttpRouter, TellsAWrongMethodFromAnUnknownPath) {
  const Router router = deployments();
  RouteMatch match = router.find("DELETE", "/deployment");
  EXPECT_EQ(match.kind, RouteMatch::Kind::method_not_allowed);
  EXPECT_EQ(match.allow_header(), "GET, HEAD, POST");
  EXPECT_EQ(match.handler, nullptr);
  match = router.find("POST", "/deployment/x/");
  EXPECT_EQ(match.kind, RouteMatch::Kind::method_not_allowed);
  EXPECT_EQ(match.allow_header(), "GET, HEAD");
  EXPECT_EQ(router.find("GET", "/nothing").kind, RouteMatch::Kind::no_such_path);
}

TEST(HttpRouter, HeadUsesGetRoutesUnlessItHasItsOwn) {
  Router router = deployments();
  EXPECT_EQ(call(router, "HEAD", "/deployment/x"), "one uuid=x");
  router.add("HEAD", "/deployment/{uuid}", answer("head"));
  EXPECT_EQ(call(router, "HEAD", "/deployment/x"), "head uuid=x");
  EXPECT_EQ(call(router, "GET", "/deployment/x"), "one uuid=x");
}

TEST(HttpRouter, FirstAddedRouteWins) {
  Router router;
  router.add("GET", "/a/{name}", answer("param"));
  router.add("GET", "/a/b", answer("literal"));
  EXPECT_EQ(call(router, "GET", "/a/b"), "param name=b");
}

TEST(HttpRouter, RefusesMalformedPatterns) {
  Router router;
  for (const char* pattern : {"deployment", "/a/{}", "/a/{x", "/a/x{y}", "/a/{x}y", "/a/{x{y}}", "/a/x}"}) {
    EXPECT_THROW(router.add("GET", pattern, answer("x")), Error) << pattern;
  }
}

}  // namespace
}  // namespace gatehouse::http
