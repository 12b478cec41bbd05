// The repos a mirror serves from a root folder, one folder per repo as its files are:
// <root>/<org>/<name>/ for models, <root>/datasets/<org>/<name>/ and <root>/spaces/<org>/<name>/.
// The folder is the repo's "main"; other branches and tags, when there are any, are folders of
// their own under <repo>/.revisions/<name>/ (.revisions/refs/pr/1/ for a pull request). A
// revision's commit id is computed from its content (a SHA-1 over the sorted paths and blob ids),
// so it changes exactly when a file does. Files get the ids the
// Hub gives: the git blob SHA-1, and for LFS files (large or binary by extension) the SHA-256.
// Hashes are computed once per file version and kept in memory. Thread-safe.
//
// Symlinks (docs/hub.md): the root itself may be one; below it, repo, org and revision folders
// are served only when they are real folders, folder links inside a repo are not descended into,
// and a file link is served only when its resolved target is a regular file that the same
// revision folder serves itself (not under a hidden part), listed under the link's own path.
// Everything else (links out of the root or the repo, into another repo, dangling links, loops,
// FIFOs, devices) is skipped, so nothing outside a repo is ever listed, hashed or served through it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hub/mirror/repo_source.h"

namespace gatehouse::hub {

class RepoStore final : public RepoSource {
 public:
  explicit RepoStore(std::filesystem::path root);

  // The current content of a repo, or nullopt when the root has no such folder. Re-reads the
  // folder on each call; unchanged files are not hashed again.
  std::optional<RepoSnapshot> snapshot(const RepoId& repo) const override;
  std::optional<RepoSnapshot> revision(const RepoId& repo, const std::string& revision) const override;
  // The names under .revisions/, sorted: the repo's branches and tags besides main.
  std::vector<std::string> revision_names(const RepoId& repo) const;
  // The file's path after checking that it is still the regular file listed (same resolved path,
  // same size); throws Error(unavailable) when it changed, not_found when it is gone.
  files::UniqueFd open_file(const RepoId&, const RepoSnapshot&, const RepoFile& file) const override;

  // Every repo folder under the root, for listings and logs.
  std::vector<RepoId> list() const;

  const std::filesystem::path& root() const { return root_; }

 private:
  struct CachedHash {
    uint64_t size;
    int64_t mtime_ns;
    std::string oid;
    std::optional<std::string> sha256;
  };

  // The repo's folder, or nullopt when it is missing or reached through a symlink.
  std::optional<std::filesystem::path> repo_dir(const RepoId& repo) const;
  // <repo>/.revisions/<name>, on the same terms.
  std::optional<std::filesystem::path> revision_dir(const RepoId& repo, const std::string& name) const;
  RepoSnapshot snapshot_of(const std::filesystem::path& dir) const;
  CachedHash hashes(const std::filesystem::path& file, const std::string& relative) const;

  std::filesystem::path root_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, CachedHash> hash_cache_;  // by absolute path
};

// Whether the Hub would store this file in LFS: 10 MiB or more, or an extension its default
// .gitattributes sends to LFS (weights, archives, tokenizer models).
bool is_lfs_file(std::string_view path, uint64_t size);

}  // namespace gatehouse::hub
