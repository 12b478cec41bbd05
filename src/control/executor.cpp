#include "control/executor.h"

#include "base/json.h"

namespace gatehouse::control {

std::vector<std::string> unapplied_fields(const Recipe& recipe, std::initializer_list<std::string_view> ignored) {
  std::vector<std::string> fields = recipe.oci_only_fields;
  for (std::string_view name : ignored) {
    if (json::find(recipe.raw, name)) fields.emplace_back(name);  // null counts as absent, as everywhere
  }
  return fields;
}

}  // namespace gatehouse::control
