#include "hub/mirror/upstream_source.h"

#include <algorithm>
#include <ctime>

#include "base/error.h"

namespace gatehouse::hub {
UpstreamSource::UpstreamSource(HubClientOptions options, std::chrono::seconds metadata_ttl)
    : options_(std::move(options)), metadata_ttl_(metadata_ttl) {
  options_.progress = false;
  options_.offline = false;
}

std::optional<RepoSnapshot> UpstreamSource::revision(const RepoId& repo, const std::string& revision) const {
  std::string key = std::string(repo.api_plural()) + "/" + repo.name + "@" + revision;
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = metadata_.find(key);
    if (it != metadata_.end() && now - it->second.fetched < metadata_ttl_) return it->second.snapshot;
  }
  HubClient client(options_);
  std::optional<RepoSnapshot> result;
  try {
    RepoSnapshot snapshot;
    snapshot.commit = client.resolve_commit(repo, revision);
    snapshot.files = client.list_files(repo, snapshot.commit);
    std::sort(snapshot.files.begin(), snapshot.files.end(),
              [](const RepoFile& a, const RepoFile& b) { return a.path < b.path; });
    snapshot.last_modified = iso8601_utc(std::time(nullptr));
    result = std::move(snapshot);
  } catch (const Error& error) {
    if (error.code() != ErrorCode::not_found) throw;  // unreachable, refused: the caller reports it
  }
  std::lock_guard lock(mutex_);
  metadata_[key] = {now, result};
  return result;
}

files::UniqueFd UpstreamSource::open_file(const RepoId& repo, const RepoSnapshot& snapshot, const RepoFile& file) const {
  HubClient client(options_);
  return files::open_regular_file(client.download_file(repo, snapshot.commit, file.path));
}

}  // namespace gatehouse::hub
