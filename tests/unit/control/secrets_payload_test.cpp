// Reading POST /secrets/ bodies as secrets_schema.json says, with errors that name the field and
// never hold a value.
#include "control/secrets_payload.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/json.h"

namespace gatehouse::control {
namespace {

namespace fs = std::filesystem;

boost::json::value read_example(const std::string& name) {
  std::ifstream file(fs::path(GATEHOUSE_SOURCE_DIR) / "../shared/blueprints-examples" / name);
  std::stringstream text;
  text << file.rdbuf();
  return json::parse(text.str(), name);
}

std::pair<std::string, std::string> rejection(std::string_view body) {
  try {
    parse_secrets_payload(json::parse(body, "test"));
  } catch (const InvalidParameter& error) {
    return {error.parameter(), error.what()};
  }
  ADD_FAILURE() << "accepted: " << body;
  return {};
}

std::string payload(std::string_view operation) {
  return R"({"secrets_payload": [{"name": "ok", "action": "delete"}, )" + std::string(operation) + "]}";
}

TEST(SecretsPayload, EveryUpstreamExampleParses) {
  for (const char* name : {"example_opaque_create.json", "example_opaque_delete.json", "example_opaque_update.json",
                           "example_registry_create.json", "hf-token-secret.json"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(parse_secrets_payload(read_example(name)).empty());
  }
}

TEST(SecretsPayload, OperationsCarryTheirData) {
  auto hf = parse_secrets_payload(read_example("hf-token-secret.json"));
  ASSERT_EQ(hf.size(), 1u);
  EXPECT_EQ(hf[0].name, "hf-secret");
  EXPECT_EQ(hf[0].action, SecretAction::create);
  EXPECT_EQ(hf[0].type, "opaque");
  EXPECT_EQ(hf[0].data.at("hf-token").reveal(), "hf_...<example-token>...");

  auto registry = parse_secrets_payload(read_example("example_registry_create.json"));
  ASSERT_EQ(registry.size(), 2u);
  EXPECT_EQ(registry[1].name, "phx-creds");
  EXPECT_EQ(registry[1].type, "container_registry");
  EXPECT_EQ(registry[1].data.size(), 4u);
  EXPECT_EQ(registry[1].data.at("registry_server").reveal(), "phx.ocir.io");

  // The upstream delete example sends a type; it is tolerated and dropped.
  auto deletion = parse_secrets_payload(read_example("example_opaque_delete.json"));
  EXPECT_EQ(deletion[0].action, SecretAction::remove);
  EXPECT_EQ(deletion[0].type, "");
  EXPECT_TRUE(deletion[0].data.empty());
  EXPECT_EQ(secret_action_name(SecretAction::remove), "delete");
  EXPECT_EQ(parse_secrets_payload(read_example("example_opaque_update.json"))[0].action, SecretAction::update);
}

TEST(SecretsPayload, ErrorsNameTheField) {
  struct Case {
    std::string body;
    const char* field;
    const char* expected;
  };
  const Case cases[] = {
      {"{}", "secrets_payload", "is missing"},
      {R"({"secrets_payload": []})", "secrets_payload", "is empty"},
      {R"({"secrets_payload": {}})", "secrets_payload", "expected an array"},
      {R"({"secrets_payload": [], "namespace": "x"})", "namespace", "unknown field"},
      {payload(R"({"action": "delete"})"), "secrets_payload[1].name", "is missing"},
      {payload(R"({"name": "Hf_Secret", "action": "delete"})"), "secrets_payload[1].name", "DNS subdomain name"},
      {payload(R"({"name": ")" + std::string(254, 'a') + R"(", "action": "delete"})"), "secrets_payload[1].name",
       "at most 253"},
      {payload(R"({"name": "a", "action": "rotate"})"), "secrets_payload[1].action", "create, update or delete"},
      {payload(R"({"name": "a"})"), "secrets_payload[1].action", "is missing"},
      {payload(R"({"name": "a", "action": "create", "data": {"k": "v"}})"), "secrets_payload[1].type", "is missing"},
      {payload(R"({"name": "a", "action": "update", "type": "opaque"})"), "secrets_payload[1].data", "is missing"},
      {payload(R"({"name": "a", "action": "create", "type": "tls", "data": {}})"), "secrets_payload[1].type",
       "opaque or container_registry"},
      {payload(R"({"name": "a", "action": "create", "type": "opaque", "data": {"k": 1}})"), "secrets_payload[1].data.k",
       "expected a string, got an integer"},
      {payload(R"({"name": "a", "action": "create", "type": "opaque", "data": {"a/b": "v"}})"),
       "secrets_payload[1].data.a/b", "a data key"},
      {payload(R"({"name": "a", "action": "create", "type": "container_registry",
                   "data": {"registry_server": "r", "username": "u", "password": "p"}})"),
       "secrets_payload[1].data.email", "is missing"},
      {payload(R"({"name": "a", "action": "create", "type": "container_registry",
                   "data": {"registry_server": "r", "username": "u", "password": "p", "email": "e", "token": "t"}})"),
       "secrets_payload[1].data.token", "exactly registry_server, username, password and email"},
      {payload(R"({"name": "a", "action": "delete", "data": {}})"), "secrets_payload[1].data", "delete takes no data"},
      {payload(R"({"name": "a", "action": "delete", "value": "x"})"), "secrets_payload[1].value", "unknown key"},
      {payload(R"("a")"), "secrets_payload[1]", "expected an object"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    auto [field, message] = rejection(c.body);
    EXPECT_EQ(field, c.field);
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
  }
  EXPECT_THROW(parse_secrets_payload(json::parse("[]", "test")), Error);
}

TEST(SecretsPayload, NoErrorHoldsAValue) {
  const std::string planted = "hf_PLANTEDsecretVALUE";
  for (const std::string& operation : {
           R"({"name": ")" + planted + R"(", "action": "create", "type": "opaque", "data": {"k": "v"}})",
           R"({"name": "a", "action": ")" + planted + R"(", "type": "opaque", "data": {"k": "v"}})",
           R"({"name": "a", "action": "create", "type": ")" + planted + R"(", "data": {"k": "v"}})",
           R"({"name": "a", "action": "create", "type": "opaque", "data": ")" + planted + R"("})",
           R"({"name": "a", "action": "create", "type": "opaque", "data": {"k": [")" + planted + R"("]}})",
           R"({"name": "a", "action": "delete", "data": {"k": ")" + planted + R"("}})",
           R"({"name": "a", "action": "create", "type": "container_registry", "data": {"password": ")" + planted + R"("}})",
       }) {
    SCOPED_TRACE(operation);
    auto [field, message] = rejection(payload(operation));
    EXPECT_FALSE(field.empty());
    EXPECT_EQ(message.find("PLANTED"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace gatehouse::control
