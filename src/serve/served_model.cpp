#include "serve/served_model.h"

#include <algorithm>

namespace gatehouse::serve {

bool ServedModel::serves(const std::string& name) const { return std::find(names.begin(), names.end(), name) != names.end(); }

}  // namespace gatehouse::serve
