// The huggingface_hub on-disk cache (blobs/, refs/, snapshots/, .no_exist/, .locks/), laid out
// exactly as Python's hf_hub_download does so both can share one cache. Every path is built from
// validated repo ids, revisions, etags and file paths, so nothing escapes the root. A HubCache is
// immutable after construction and safe to share between threads; cross-process writers of the
// same blob coordinate through BlobLock.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "hub/repo_id.h"

namespace gatehouse::hub {

// Python's expandvars(expanduser(path)): a leading "~" or "~/" becomes $HOME (or the password
// database's home), then $NAME and ${NAME} are replaced when NAME is set and left as is otherwise.
std::filesystem::path expand_path(std::string_view path);
// $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. Empty variables count as unset.
std::filesystem::path hf_home();

class HubCache {
 public:
  explicit HubCache(std::filesystem::path root);

  // HF_HUB_CACHE > HUGGINGFACE_HUB_CACHE > $HF_HOME/hub > $XDG_CACHE_HOME/huggingface/hub >
  // ~/.cache/huggingface/hub.
  static std::filesystem::path default_root();

  const std::filesystem::path& root() const { return root_; }

  // <root>/models--org--name
  std::filesystem::path repo_dir(const RepoId& repo) const;
  // <repo_dir>/blobs/<etag>
  std::filesystem::path blob_path(const RepoId& repo, std::string_view etag) const;
  // <repo_dir>/snapshots/<commit>
  std::filesystem::path snapshot_dir(const RepoId& repo, std::string_view commit) const;
  // <repo_dir>/snapshots/<commit>/<file>
  std::filesystem::path snapshot_path(const RepoId& repo, std::string_view commit, std::string_view file) const;
  // <repo_dir>/refs/<revision> (nested for "refs/pr/1")
  std::filesystem::path ref_path(const RepoId& repo, std::string_view revision) const;
  // <repo_dir>/.no_exist/<commit>/<file>
  std::filesystem::path no_exist_path(const RepoId& repo, std::string_view commit, std::string_view file) const;
  // <root>/.locks/<repo folder>/<etag>.lock
  std::filesystem::path lock_path(const RepoId& repo, std::string_view etag) const;
  // <repo_dir>/blobs/<etag>.incomplete, as huggingface_hub names a partial download: one per blob,
  // written only under the blob's lock, so a later run (ours or huggingface_hub's) continues it.
  std::filesystem::path incomplete_path(const RepoId& repo, std::string_view etag) const;

  // Records revision -> commit atomically (temporary file + rename), without a trailing newline,
  // and only when the stored value differs.
  void write_ref(const RepoId& repo, std::string_view revision, std::string_view commit) const;
  // The commit a ref points to, or nullopt when there is no ref (or it does not hold a commit).
  std::optional<std::string> read_ref(const RepoId& repo, std::string_view revision) const;
  // The commit for a revision: the ref's target when a ref exists, else the revision itself when it
  // is a commit hash, else nullopt.
  std::optional<std::string> resolve_revision(const RepoId& repo, std::string_view revision) const;

  // Points snapshots/<commit>/<file> at blobs/<etag> with a relative symlink
  // ("../../blobs/<etag>", one more "../" per folder in <file>), replacing what was there
  // atomically. Copies the blob instead when symlinks fail or HF_HUB_DISABLE_SYMLINKS is set.
  // Throws not_found when the blob is not in the cache.
  void link_snapshot(const RepoId& repo, std::string_view commit, std::string_view file, std::string_view etag) const;

  // Creates the empty .no_exist marker: the file is known to be missing at that commit.
  void mark_missing(const RepoId& repo, std::string_view commit, std::string_view file) const;
  bool known_missing(const RepoId& repo, std::string_view commit, std::string_view file) const;

  // The cached file for offline use (revision = branch/tag through refs/, or a commit), or nullopt.
  std::optional<std::filesystem::path> cached_file(const RepoId& repo, std::string_view revision,
                                                   std::string_view file) const;

 private:
  std::filesystem::path root_;
};

// An exclusive flock on a lock file (created with mode 0664, parent folders too), held for the
// object's lifetime: interoperates with Python's filelock on the same .lock path. Blocks until
// acquired. Not copyable or movable.
class BlobLock {
 public:
  explicit BlobLock(const std::filesystem::path& lock_file);
  ~BlobLock();
  BlobLock(const BlobLock&) = delete;
  BlobLock& operator=(const BlobLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace gatehouse::hub
