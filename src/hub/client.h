// A Hugging Face Hub client that downloads into the huggingface_hub cache, so a Python user's
// cache and ours are one: resolve a revision to a commit, list a repo's files, download one file or
// a snapshot (include/exclude globs, parallel workers). Downloads go to blobs/<etag>.incomplete
// under the blob's lock, as huggingface_hub's do, and continue with Range after a broken connection
// and in the next run after an interrupted one (ours or huggingface_hub's); they are checked
// against the size and the hash the Hub publishes (SHA-256 for LFS files, git SHA-1 for the
// others) and renamed into place. The token goes only to the endpoint's origin. One HubClient may
// be used from one thread; snapshot() runs its own workers.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/secret_string.h"
#include "hub/cache.h"
#include "hub/repo_id.h"
#include "hub/repo_snapshot.h"

namespace gatehouse::hub {

struct HubClientOptions {
  std::string endpoint = "https://huggingface.co";
  std::optional<SecretString> token;
  std::filesystem::path cache_root;
  bool offline = false;  // serve from the cache only
  int max_workers = 8;
  bool progress = false;  // a progress line on stderr
  // How long a request is retried (backing off 0.25, 0.5, 1, 2, then every 4 s) after network
  // errors, 408, 429 and 5xx without any byte arriving; a download then gives up and keeps its
  // partial file for the next run.
  std::chrono::milliseconds retry_window{20000};

  // HF_ENDPOINT, the token (explicit, HF_TOKEN, HUGGING_FACE_HUB_TOKEN, the token file), the cache
  // root (HF_HUB_CACHE, ...), HF_HUB_OFFLINE, GATEHOUSE_HUB_RETRY_WINDOW (seconds); progress when
  // stderr is a terminal.
  static HubClientOptions from_environment(const std::optional<std::string>& explicit_token);
};

struct SnapshotFilter {
  std::vector<std::string> include;  // globs; empty: everything
  std::vector<std::string> exclude;
};

class HubClient {
 public:
  explicit HubClient(HubClientOptions options);
  ~HubClient();

  // The commit a revision (branch, tag or commit) names.
  std::string resolve_commit(const RepoId& repo, const std::string& revision);

  // Every file of the repo at a commit (the recursive, paginated tree).
  std::vector<RepoFile> list_files(const RepoId& repo, const std::string& commit);

  // One file, from the cache when it is there; returns its path in snapshots/.
  std::filesystem::path download_file(const RepoId& repo, const std::string& revision, const std::string& path);

  // The files of a revision that pass the filter; returns snapshots/<commit>.
  std::filesystem::path snapshot(const RepoId& repo, const std::string& revision, const SnapshotFilter& filter);

  const HubCache& cache() const { return cache_; }

 private:
  struct Impl;
  HubClientOptions options_;
  HubCache cache_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::hub
