// Where a mirror's repos come from: a root folder (RepoStore) or another Hub (UpstreamSource).
// Implementations are thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "base/file.h"
#include "hub/repo_snapshot.h"
#include "hub/repo_id.h"

namespace gatehouse::hub {

class RepoSource {
 public:
  virtual ~RepoSource() = default;
  // The content of the repo's "main", or nullopt when this source does not have the repo.
  // Errors reaching another Hub are Errors (unavailable, permission_denied, ...).
  virtual std::optional<RepoSnapshot> snapshot(const RepoId& repo) const = 0;
  // Another revision (branch, tag or commit) of a repo this source has, or nullopt when the repo
  // has no such revision.
  virtual std::optional<RepoSnapshot> revision(const RepoId& repo, const std::string& revision) const = 0;
  // The local file holding `file` of `snapshot`, fetched first when needed, opened for reading
  // (and checked to be that file): the mirror sends from this descriptor.
  virtual files::UniqueFd open_file(const RepoId& repo, const RepoSnapshot& snapshot, const RepoFile& file) const = 0;
};

}  // namespace gatehouse::hub
