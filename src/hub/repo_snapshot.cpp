#include "hub/repo_snapshot.h"

#include <algorithm>

namespace gatehouse::hub {

std::string iso8601_utc(std::time_t seconds) {
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S.000Z", &utc);
  return text;
}

const RepoFile* RepoSnapshot::find(std::string_view path) const {
  auto it = std::lower_bound(files.begin(), files.end(), path,
                             [](const RepoFile& file, std::string_view p) { return file.path < p; });
  return it != files.end() && it->path == path ? &*it : nullptr;
}

}  // namespace gatehouse::hub
