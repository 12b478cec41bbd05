#include "gateway/keys/key_api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/json.h"
#include "gateway/upstream_error.h"
#include "keys_testing.h"

namespace gatehouse::gateway {
namespace {

namespace bj = boost::json;
using testing::TempDir;

constexpr const char* kMaster = "sk-master-1234";

http::Request request(std::string method, std::string target, std::string body = "",
                      std::optional<std::string> bearer = std::string(kMaster)) {
  http::Request request;
  request.method = std::move(method);
  request.target = target;
  auto question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string::npos) request.query = target.substr(question + 1);
  if (bearer) request.headers.emplace_back("authorization", "Bearer " + *bearer);
  request.body = std::move(body);
  return request;
}

class KeyApiTest : public ::testing::Test {
 protected:
  http::Response call(const http::Request& request) {
    auto response = api_.handle(request);
    EXPECT_TRUE(response) << request.path;
    return response ? *response : http::Response{};
  }
  bj::object ok(const http::Request& request) {
    http::Response response = call(request);
    EXPECT_EQ(response.status, 200) << response.body;
    return json::parse(response.body, "answer").as_object();
  }
  // The OpenAI error envelope's "error" object, checking the status.
  bj::object error(const http::Request& request, int status) {
    http::Response response = call(request);
    EXPECT_EQ(response.status, status) << response.body;
    return json::parse(response.body, "answer").as_object().at("error").as_object();
  }

  TempDir dir_;
  KeyStore store_{dir_.file("keys.db")};
  KeyApi api_{store_, SecretString(kMaster)};
};

TEST_F(KeyApiTest, GenerateAnswersWithTheKeyAndLiteLlmsFields) {
  bj::object answer = ok(request("POST", "/key/generate",
                                 R"({"models": ["small"], "max_budget": 10, "budget_duration": "30d", "duration": "1h",
                                     "rpm_limit": 5, "tpm_limit": 1000, "max_parallel_requests": 2,
                                     "key_alias": "ci", "metadata": {"team": "infra"}})"));
  std::string key(answer.at("key").as_string());
  EXPECT_TRUE(key.starts_with("sk-"));
  EXPECT_EQ(answer.at("token").as_string(), KeyStore::hash_key(key));
  EXPECT_EQ(answer.at("key_alias").as_string(), "ci");
  EXPECT_EQ(answer.at("models").as_array().size(), 1u);
  EXPECT_EQ(answer.at("max_budget").as_double(), 10.0);
  EXPECT_EQ(answer.at("budget_duration").as_string(), "30d");
  EXPECT_TRUE(answer.at("budget_reset_at").is_string());
  EXPECT_TRUE(answer.at("expires").is_string());
  EXPECT_EQ(answer.at("rpm_limit").as_int64(), 5);
  EXPECT_EQ(answer.at("tpm_limit").as_int64(), 1000);
  EXPECT_EQ(answer.at("max_parallel_requests").as_int64(), 2);
  EXPECT_EQ(answer.at("metadata").as_object().at("team").as_string(), "infra");
  EXPECT_EQ(answer.at("spend").as_double(), 0.0);

  // The key works for the allowed model only.
  store_.release(store_.admit(SecretString(key), "small"));
  EXPECT_THROW(store_.admit(SecretString(key), "large"), UpstreamError);
}

TEST_F(KeyApiTest, InfoForTheMasterAndForTheKeyItself) {
  std::string key(ok(request("POST", "/key/generate", "{}")).at("key").as_string());
  std::string other(ok(request("POST", "/key/generate", "{}")).at("key").as_string());
  KeyGrant grant = store_.admit(SecretString(key), "m");
  store_.record_usage(grant, "m", 3, 2, 0.5);
  store_.release(grant);

  bj::object by_master = ok(request("GET", "/key/info?key=" + key));
  EXPECT_EQ(by_master.at("key").as_string(), KeyStore::hash_key(key));
  const bj::object& info = by_master.at("info").as_object();
  EXPECT_EQ(info.at("spend").as_double(), 0.5);
  EXPECT_EQ(info.at("model_spend").as_object().at("m").as_double(), 0.5);
  EXPECT_EQ(info.at("model_usage").as_object().at("m").as_object().at("prompt_tokens").as_int64(), 3);
  EXPECT_EQ(json::serialize(bj::value(by_master)).find(key), std::string::npos);

  // By token hash too.
  ok(request("GET", "/key/info?key=" + KeyStore::hash_key(key)));
  // A key reads its own info without naming itself, and not another's.
  bj::object own = ok(request("GET", "/key/info", "", key));
  EXPECT_EQ(own.at("key").as_string(), KeyStore::hash_key(key));
  ok(request("GET", "/key/info?key=" + key, "", key));
  error(request("GET", "/key/info?key=" + other, "", key), 403);
  error(request("GET", "/key/info", "", std::string("sk-unknown")), 401);
  error(request("GET", "/key/info", ""), 400);
  error(request("GET", "/key/info?key=sk-unknown"), 404);
}

TEST_F(KeyApiTest, UpdateChangesLimitsAndNullClearsThem) {
  std::string key(ok(request("POST", "/key/generate", R"({"rpm_limit": 1, "max_budget": 1})")).at("key").as_string());
  bj::object updated =
      ok(request("POST", "/key/update", R"({"key": ")" + key + R"(", "rpm_limit": null, "models": ["a"]})"));
  EXPECT_TRUE(updated.at("rpm_limit").is_null());
  EXPECT_EQ(updated.at("max_budget").as_double(), 1.0);
  EXPECT_EQ(updated.at("key").as_string(), KeyStore::hash_key(key));
  for (int i = 0; i < 3; ++i) store_.release(store_.admit(SecretString(key), "a"));
  error(request("POST", "/key/update", R"({"rpm_limit": 3})"), 400);
  error(request("POST", "/key/update", R"({"key": "sk-nobody", "rpm_limit": 3})"), 404);
}

TEST_F(KeyApiTest, DeleteByKeysAndByAliases) {
  std::string first(ok(request("POST", "/key/generate", "{}")).at("key").as_string());
  std::string second(ok(request("POST", "/key/generate", R"({"key_alias": "second"})")).at("key").as_string());
  bj::object deleted = ok(request("POST", "/key/delete", R"({"keys": [")" + first + R"("]})"));
  EXPECT_EQ(deleted.at("deleted_keys").as_array().at(0).as_string(), KeyStore::hash_key(first));
  EXPECT_THROW(store_.admit(SecretString(first), "m"), UpstreamError);
  ok(request("POST", "/key/delete", R"({"key_aliases": ["second"]})"));
  EXPECT_THROW(store_.admit(SecretString(second), "m"), UpstreamError);
  error(request("POST", "/key/delete", R"({"key_aliases": ["second"]})"), 404);
  error(request("POST", "/key/delete", R"({"keys": []})"), 400);
}

TEST_F(KeyApiTest, EveryAdministrativeRouteNeedsTheMasterKey) {
  std::string key(ok(request("POST", "/key/generate", "{}")).at("key").as_string());
  error(request("POST", "/key/generate", "{}", std::nullopt), 401);
  error(request("POST", "/key/generate", "{}", std::string("sk-master-1235")), 401);
  error(request("POST", "/key/generate", "{}", key), 401);
  error(request("POST", "/key/update", R"({"key": ")" + key + R"("})", key), 401);
  error(request("POST", "/key/delete", R"({"keys": [")" + key + R"("]})", key), 401);

  KeyApi without_master(store_, SecretString(""));
  auto response = without_master.handle(request("POST", "/key/generate", "{}", std::string("")));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_NE(response->body.find("master_key"), std::string::npos);
}

TEST_F(KeyApiTest, BadInputIsA400NamingTheFieldAndNeverQuotesAKey) {
  EXPECT_NE(std::string(error(request("POST", "/key/generate", "{not json"), 400).at("message").as_string())
                .find("request body"),
            std::string::npos);
  error(request("POST", "/key/generate", "[]"), 400);
  EXPECT_EQ(error(request("POST", "/key/generate", R"({"max_budget": "ten"})"), 400).at("param").as_string(),
            "max_budget");
  EXPECT_EQ(error(request("POST", "/key/generate", R"({"rpm_limit": 1.5})"), 400).at("param").as_string(), "rpm_limit");
  EXPECT_EQ(error(request("POST", "/key/generate", R"({"models": "small"})"), 400).at("param").as_string(), "models");
  EXPECT_EQ(error(request("POST", "/key/generate", R"({"models": [1]})"), 400).at("param").as_string(), "models");
  EXPECT_EQ(error(request("POST", "/key/generate", R"({"metadata": []})"), 400).at("param").as_string(), "metadata");
  EXPECT_EQ(error(request("POST", "/key/generate", R"({"duration": "soon"})"), 400).at("param").as_string(),
            "duration");
  EXPECT_EQ(error(request("POST", "/key/generate", R"({"team_id": "t"})"), 400).at("param").as_string(), "team_id");
  // generate makes its own keys: a chosen one is refused, and not quoted back.
  const std::string chosen = "sk-chosen-secret-value";
  bj::object refused = error(request("POST", "/key/generate", R"({"key": ")" + chosen + R"("})"), 400);
  EXPECT_EQ(refused.at("param").as_string(), "key");
  bj::object malformed = error(request("POST", "/key/delete", R"({"keys": ["not-a-key-secret-value"]})"), 400);
  EXPECT_EQ(malformed.at("param").as_string(), "keys[0]");
  EXPECT_EQ(json::serialize(bj::value(malformed)).find("secret-value"), std::string::npos);
  bj::object unknown = error(request("POST", "/key/update", R"({"key": ")" + chosen + R"("})"), 404);
  EXPECT_EQ(json::serialize(bj::value(unknown)).find(chosen), std::string::npos);
}

TEST_F(KeyApiTest, OtherPathsAreNotItsOwnAndWrongMethodsAre405) {
  EXPECT_FALSE(api_.handle(request("POST", "/v1/chat/completions", "{}")));
  EXPECT_FALSE(api_.handle(request("GET", "/key/list")));
  http::Response response = call(request("GET", "/key/generate"));
  EXPECT_EQ(response.status, 405);
}

}  // namespace
}  // namespace gatehouse::gateway
