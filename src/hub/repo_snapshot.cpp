#include "hub/repo_snapshot.h"

#include <algorithm>

namespace gatehouse::hub {

const RepoFile* RepoSnapshot::find(std::string_view path) const {
  auto it = std::lower_bound(files.begin(), files.end(), path,
                             [](const RepoFile& file, std::string_view p) { return file.path < p; });
  return it != files.end() && it->path == path ? &*it : nullptr;
}

}  // namespace gatehouse::hub
