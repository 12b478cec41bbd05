// Deployment groups: the reference's llama-stack shape, member order, cycles, missing
// dependencies, exports, and ${member.export} placeholders anywhere in a recipe.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/error.h"
#include "base/json.h"
#include "control/recipe.h"

namespace gatehouse::control {
namespace {

// The group of §4.6, with the members listed dependents first to show the reordering.
constexpr const char* kLlamaStack = R"({"deployment_group": {"name": "llama-stack", "deployments": [
  {"name": "app", "depends_on": ["postgres"], "exports": ["service_url"],
   "recipe": {"recipe_mode": "service", "deployment_name": "app", "recipe_image_uri": "llamastack/distribution",
              "recipe_container_env": [{"key": "POSTGRES_HOST", "value": "${postgres.internal_dns_name}"},
                                       {"key": "PORT", "value": 5432}]}},
  {"name": "postgres", "exports": ["internal_dns_name", "service_name"],
   "recipe": {"recipe_mode": "service", "deployment_name": "postgres", "recipe_image_uri": "postgres:16",
              "recipe_container_port": "5432"}},
  {"name": "smoke", "depends_on": ["app", "postgres"],
   "recipe": {"recipe_mode": "job", "deployment_name": "smoke test", "recipe_image_uri": "curlimages/curl",
              "recipe_container_command_args": ["${app.service_url}/v1/models", "--db=${postgres.service_name}:${postgres.internal_dns_name}"]}}
]}})";

std::pair<std::string, std::string> rejection(std::string_view body) {
  try {
    parse_deployment_group(json::parse(body, "test"));
  } catch (const InvalidParameter& error) {
    return {error.parameter(), error.what()};
  }
  ADD_FAILURE() << "accepted: " << body;
  return {};
}

std::string group_of(std::string_view deployments) {
  return R"({"deployment_group": {"name": "g", "deployments": [)" + std::string(deployments) + "]}}";
}

std::string member(std::string_view name, std::string_view depends_on = "[]", std::string_view extra = "") {
  return R"({"name": ")" + std::string(name) + R"(", "depends_on": )" + std::string(depends_on) +
         R"(, "recipe": {"recipe_mode": "service", "deployment_name": ")" + std::string(name) + "\"" +
         std::string(extra) + "}}";
}

TEST(DeploymentGroup, LlamaStackComesOutDependenciesFirst) {
  DeploymentGroupSpec group = parse_deployment_group(json::parse(kLlamaStack, "test"));
  EXPECT_EQ(group.name, "llama-stack");
  ASSERT_EQ(group.members.size(), 3u);
  EXPECT_EQ(group.members[0].name, "postgres");
  EXPECT_EQ(group.members[1].name, "app");
  EXPECT_EQ(group.members[2].name, "smoke");
  EXPECT_EQ(group.members[0].exports, (std::vector<std::string>{"internal_dns_name", "service_name"}));
  EXPECT_EQ(group.members[1].depends_on, (std::vector<std::string>{"postgres"}));
  // Recipes stay unsubstituted until the dependencies' exports exist.
  EXPECT_EQ(group.members[1].recipe.at("recipe_container_env").as_array()[0].as_object().at("value").as_string(),
            "${postgres.internal_dns_name}");
}

TEST(DeploymentGroup, OrderIsStableAmongIndependentMembers) {
  DeploymentGroupSpec group =
      parse_deployment_group(json::parse(group_of(member("c", R"(["a"])") + "," + member("b") + "," + member("a")), "test"));
  std::vector<std::string> names;
  for (const auto& m : group.members) names.push_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"b", "a", "c"}));
}

TEST(DeploymentGroup, CyclesAreNamed) {
  auto [field, message] =
      rejection(group_of(member("a", R"(["c"])") + "," + member("b", R"(["a"])") + "," + member("c", R"(["b"])") + "," +
                         member("d")));
  EXPECT_EQ(field, "deployment_group.deployments");
  EXPECT_NE(message.find("a -> c -> b -> a"), std::string::npos) << message;
  auto [self_field, self_message] = rejection(group_of(member("a", R"(["a"])")));
  EXPECT_NE(self_message.find("a -> a"), std::string::npos) << self_message;
}

TEST(DeploymentGroup, ShapeErrors) {
  struct Case {
    std::string body;
    const char* field;
    const char* expected;
  };
  const Case cases[] = {
      {group_of(member("a", R"(["missing"])")), "deployment_group.deployments[0].depends_on", "'missing' names no member"},
      {group_of(member("a") + "," + member("a")), "deployment_group.deployments[1].name", "another member"},
      {group_of(member("Not_A_Label")), "deployment_group.deployments[0].name", "DNS label"},
      {group_of(""), "deployment_group.deployments", "is empty"},
      {group_of(R"({"name": "a"})"), "deployment_group.deployments[0].recipe", "is missing"},
      {group_of(R"({"name": "a", "recipe": {}, "wait": true})"), "deployment_group.deployments[0].wait", "unknown key"},
      {group_of(R"({"name": "a", "exports": ["url"], "recipe": {}})"), "deployment_group.deployments[0].exports",
       "service_url, internal_dns_name or service_name"},
      {R"({"deployment_group": {"deployments": []}})", "deployment_group.name", "is missing"},
      {R"({"deployment_group": {"name": "g", "deployments": [], "x": 1}})", "deployment_group.x", "unknown key"},
      {R"({"deployment_group": [], "x": 1})", "x", "unknown key"},
      // A member's recipe is checked before anything is deployed, and its errors say where it sits.
      {group_of(member("a", "[]", R"(, "recipe_replica_count": "2")")),
       "deployment_group.deployments[0].recipe.recipe_replica_count", "expected an integer"},
      {group_of(R"({"name": "a", "recipe": {"recipe_mode": "service", "deployment_name": "same"}},
                   {"name": "b", "recipe": {"recipe_mode": "service", "deployment_name": "Same"}})"),
       "deployment_group.deployments[1].recipe.deployment_name", "same-g"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    auto [field, message] = rejection(c.body);
    EXPECT_EQ(field, c.field);
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
  }
}

TEST(DeploymentGroup, PlaceholdersMustNameAListedExportOfADependency) {
  const std::string provider = R"({"name": "db", "exports": ["internal_dns_name"], "recipe": {"recipe_mode": "service", "deployment_name": "db"}})";
  auto consumer = [](std::string_view depends_on, std::string_view placeholder) {
    return R"({"name": "app", "depends_on": )" + std::string(depends_on) +
           R"(, "recipe": {"recipe_mode": "service", "deployment_name": "app", "recipe_container_command_args": ["x", ")" +
           std::string(placeholder) + R"("]}})";
  };
  const std::string field = "deployment_group.deployments[1].recipe.recipe_container_command_args[1]";
  auto [f1, m1] = rejection(group_of(provider + "," + consumer("[]", "${db.internal_dns_name}")));
  EXPECT_EQ(f1, field);
  EXPECT_NE(m1.find("add 'db' to depends_on"), std::string::npos) << m1;
  auto [f2, m2] = rejection(group_of(provider + "," + consumer(R"(["db"])", "${db.service_url}")));
  EXPECT_EQ(f2, field);
  EXPECT_NE(m2.find("does not export service_url"), std::string::npos) << m2;
  auto [f3, m3] = rejection(group_of(provider + "," + consumer(R"(["db"])", "http://${cache.service_url}")));
  EXPECT_EQ(f3, field);
  EXPECT_NE(m3.find("${cache.service_url} names no member"), std::string::npos) << m3;
  EXPECT_NO_THROW(parse_deployment_group(json::parse(group_of(provider + "," + consumer(R"(["db"])", "${db.internal_dns_name}")), "test")));
}

TEST(SubstitutePlaceholders, EveryStringAnywhereSeveralPerString) {
  const boost::json::object recipe = json::parse(R"({
    "recipe_mode": "service", "deployment_name": "app",
    "recipe_image_uri": "${reg.service_name}/app:1",
    "recipe_container_env": [{"key": "DB", "value": "${db.internal_dns_name}:5432/${db.service_name}"}, {"key": "N", "value": 3}],
    "recipe_additional_ingress_annotations": [{"key": "${db.service_name}", "value": "$(KEEP) ${HOME} ${a.b.c} ${x"}],
    "recipe_node_labels": {"${db.service_name}": "${db.service_name}"}
  })", "test").as_object();
  auto exports = [](std::string_view member, std::string_view name) -> std::optional<std::string> {
    if (member == "db" && name == "internal_dns_name") return "db-g.default.svc.cluster.local";
    if (member == "db" && name == "service_name") return "db-g";
    if (member == "reg" && name == "service_name") return "registry";
    return std::nullopt;
  };
  boost::json::object out = substitute_placeholders(recipe, exports);
  EXPECT_EQ(out.at("recipe_image_uri").as_string(), "registry/app:1");
  const auto& env = out.at("recipe_container_env").as_array();
  EXPECT_EQ(env[0].at("value").as_string(), "db-g.default.svc.cluster.local:5432/db-g");
  EXPECT_EQ(env[1].at("value").as_int64(), 3);
  const auto& annotation = out.at("recipe_additional_ingress_annotations").as_array()[0].as_object();
  EXPECT_EQ(annotation.at("key").as_string(), "db-g");
  EXPECT_EQ(annotation.at("value").as_string(), "$(KEEP) ${HOME} ${a.b.c} ${x");  // not placeholders: kept
  EXPECT_EQ(out.at("recipe_node_labels").as_object().at("${db.service_name}").as_string(), "db-g");  // keys stay

  // Many "${" that open nothing are scanned in linear time (a quadratic scan would take minutes).
  std::string many;
  for (int i = 0; i < 200'000; ++i) many += "${a.b";
  boost::json::object long_text{{"recipe_id", many + "}"}};
  EXPECT_EQ(substitute_placeholders(long_text, [](std::string_view, std::string_view) { return "x"; }).at("recipe_id").as_string(),
            many.substr(0, many.size() - 5) + "x");

  try {
    boost::json::object bad = recipe;
    bad["recipe_container_env"].as_array()[1].as_object()["value"] = "${db.service_url}";
    substitute_placeholders(bad, exports);
    ADD_FAILURE() << "accepted";
  } catch (const InvalidParameter& error) {
    EXPECT_EQ(error.parameter(), "recipe_container_env[1].value");
    EXPECT_NE(std::string(error.what()).find("${db.service_url}"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace gatehouse::control
