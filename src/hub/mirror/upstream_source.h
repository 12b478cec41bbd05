// Pull-through from another Hub: repo metadata comes from the upstream (kept a short while),
// files are downloaded once into the mirror's huggingface_hub cache with the mirror's own token,
// which never leaves the server. Thread-safe: each call uses its own HubClient.
#pragma once

#include <chrono>
#include <map>
#include <mutex>

#include "hub/client.h"
#include "hub/mirror/repo_source.h"

namespace gatehouse::hub {

class UpstreamSource final : public RepoSource {
 public:
  // `options` names the upstream endpoint, the mirror's token and the cache the files go to.
  explicit UpstreamSource(HubClientOptions options, std::chrono::seconds metadata_ttl = std::chrono::seconds(60));

  std::optional<RepoSnapshot> snapshot(const RepoId& repo) const override { return revision(repo, "main"); }
  std::optional<RepoSnapshot> revision(const RepoId& repo, const std::string& revision) const override;
  files::UniqueFd open_file(const RepoId& repo, const RepoSnapshot& snapshot, const RepoFile& file) const override;

 private:
  struct Cached {
    std::chrono::steady_clock::time_point fetched;
    std::optional<RepoSnapshot> snapshot;
  };

  HubClientOptions options_;
  std::chrono::seconds metadata_ttl_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, Cached> metadata_;  // by repo type, name and revision
};

}  // namespace gatehouse::hub
