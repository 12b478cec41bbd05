#include "control/executor.h"

namespace gatehouse::control {

std::vector<std::string> unapplied_fields(const Recipe& recipe, std::initializer_list<std::string_view> ignored) {
  std::vector<std::string> fields = recipe.oci_only_fields;
  for (std::string_view name : ignored) {
    if (recipe.raw.contains(name)) fields.emplace_back(name);
  }
  return fields;
}

}  // namespace gatehouse::control
