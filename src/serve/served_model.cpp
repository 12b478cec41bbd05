#include "serve/served_model.h"

#include <algorithm>

#include "base/error.h"

namespace gatehouse::serve {

void ServedModel::check_requested(const std::optional<std::string>& requested) const {
  if (requested && std::find(names.begin(), names.end(), *requested) == names.end()) {
    throw Error(ErrorCode::not_found, "The model `" + *requested + "` does not exist.");
  }
}

}  // namespace gatehouse::serve
