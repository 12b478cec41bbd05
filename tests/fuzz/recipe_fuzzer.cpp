// Fuzzes the recipe readers: any bytes are parsed as a JSON body and read as a recipe and as a
// deployment group; a recipe that reads has its args expanded from its env, and a group's member
// recipes have their placeholders substituted. Each either succeeds or throws a gatehouse::Error;
// nothing may crash, hang or read out of bounds.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "base/json.h"
#include "control/recipe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  boost::json::value body;
  try {
    body = gatehouse::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz body");
  } catch (const gatehouse::Error&) {
    return 0;
  }
  try {
    const gatehouse::control::Recipe recipe = gatehouse::control::parse_recipe(body);
    (void)gatehouse::control::slug(recipe.deployment_name);
    auto lookup = [&](std::string_view name) -> std::optional<std::string> {
      for (const auto& var : recipe.env) {
        if (var.key == name) return var.value;
      }
      return std::nullopt;
    };
    for (const std::string& arg : recipe.args) (void)gatehouse::control::expand_env_references(arg, lookup);
  } catch (const gatehouse::Error&) {
  }
  try {
    const auto group = gatehouse::control::parse_deployment_group(body);
    for (const auto& member : group.members) {
      (void)gatehouse::control::substitute_placeholders(
          member.recipe, [](std::string_view member_name, std::string_view) -> std::optional<std::string> {
            if (member_name.size() % 2) return std::nullopt;
            return std::string(member_name) + ".default.svc.cluster.local";
          });
    }
  } catch (const gatehouse::Error&) {
  }
  return 0;
}
