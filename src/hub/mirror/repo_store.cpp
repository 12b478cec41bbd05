#include "hub/mirror/repo_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>

#include "base/error.h"
#include "base/hash.h"

namespace gatehouse::hub {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kLfsThreshold = 10u << 20;

int64_t mtime_ns(const struct stat& info) { return int64_t(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec; }

// Folders and files a repo folder may hold that are not repo content.
bool is_hidden(const std::string& name) { return name.empty() || name[0] == '.'; }

}  // namespace

bool is_lfs_file(std::string_view path, uint64_t size) {
  if (size >= kLfsThreshold) return true;
  static constexpr std::array<std::string_view, 22> kExtensions = {
      ".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".onnx", ".msgpack", ".gguf", ".model",
      ".tflite", ".ot", ".arrow", ".parquet", ".npy", ".npz", ".pkl", ".pickle", ".zip", ".gz", ".tar", ".zst"};
  for (std::string_view extension : kExtensions) {
    if (path.size() > extension.size() && path.substr(path.size() - extension.size()) == extension) return true;
  }
  return false;
}

RepoStore::RepoStore(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) {
    throw Error(ErrorCode::not_found, "the mirror root " + root_.string() + " is not a folder");
  }
}

fs::path RepoStore::repo_dir(const RepoId& repo) const {
  fs::path dir = root_;
  if (repo.type == RepoType::dataset) dir /= "datasets";
  if (repo.type == RepoType::space) dir /= "spaces";
  return dir / repo.name;  // RepoId validation keeps this inside the root
}

RepoStore::CachedHash RepoStore::hashes(const fs::path& file, const std::string& relative) const {
  struct stat info{};
  if (::stat(file.c_str(), &info) != 0) throw Error(ErrorCode::not_found, "cannot read " + file.string());
  const std::string key = file.string();
  {
    std::lock_guard lock(mutex_);
    auto it = hash_cache_.find(key);
    if (it != hash_cache_.end() && it->second.size == uint64_t(info.st_size) && it->second.mtime_ns == mtime_ns(info)) {
      return it->second;
    }
  }
  // Hash outside the lock: a large file must not stall every other request.
  CachedHash computed{uint64_t(info.st_size), mtime_ns(info), git_blob_sha1_file(file), std::nullopt};
  if (is_lfs_file(relative, computed.size)) computed.sha256 = hash_file(file, Hasher::sha256);
  std::lock_guard lock(mutex_);
  return hash_cache_[key] = std::move(computed);
}

std::optional<RepoSnapshot> RepoStore::snapshot(const RepoId& repo) const {
  fs::path dir = repo_dir(repo);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  return snapshot_of(dir);
}

std::optional<RepoSnapshot> RepoStore::revision(const RepoId& repo, const std::string& revision) const {
  fs::path revisions = repo_dir(repo) / ".revisions";
  std::error_code ec;
  if (!is_commit_hash(revision)) {
    validate_revision(revision);  // no "..", no absolute paths: stays inside .revisions/
    fs::path dir = revisions / revision;
    if (!fs::is_directory(dir, ec)) return std::nullopt;
    return snapshot_of(dir);
  }
  for (const std::string& name : revision_names(repo)) {
    RepoSnapshot candidate = snapshot_of(revisions / name);
    if (candidate.commit == revision) return candidate;
  }
  return std::nullopt;
}

std::vector<std::string> RepoStore::revision_names(const RepoId& repo) const {
  std::vector<std::string> names;
  fs::path revisions = repo_dir(repo) / ".revisions";
  std::error_code ec;
  if (!fs::is_directory(revisions, ec)) return names;
  for (const auto& entry : fs::directory_iterator(revisions, ec)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_directory() || is_hidden(name)) continue;
    if (name == "refs") {  // refs/pr/N and the like are nested
      for (const auto& kind : fs::directory_iterator(entry.path(), ec)) {
        for (const auto& leaf : fs::directory_iterator(kind.path(), ec)) {
          names.push_back("refs/" + kind.path().filename().string() + "/" + leaf.path().filename().string());
        }
      }
      continue;
    }
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

RepoSnapshot RepoStore::snapshot_of(const fs::path& dir) const {
  std::error_code ec;
  RepoSnapshot snapshot;
  int64_t newest = 0;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (is_hidden(name)) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    std::string relative = fs::relative(it->path(), dir).generic_string();
    CachedHash hash = hashes(it->path(), relative);
    newest = std::max(newest, hash.mtime_ns);
    snapshot.files.push_back({relative, hash.size, hash.oid, hash.sha256, it->path()});
  }
  if (ec) throw Error(ErrorCode::unavailable, "cannot read the repo folder " + dir.string() + ": " + ec.message());
  std::sort(snapshot.files.begin(), snapshot.files.end(),
            [](const RepoFile& a, const RepoFile& b) { return a.path < b.path; });
  Hasher commit(Hasher::sha1);
  for (const RepoFile& file : snapshot.files) {
    commit.update(file.path);
    commit.update(std::string_view("\0", 1));
    commit.update(file.etag());
    commit.update(std::string_view("\n", 1));
  }
  snapshot.commit = commit.hex_digest();
  snapshot.last_modified = iso8601_utc(std::time_t(newest / 1000000000));
  return snapshot;
}

std::vector<RepoId> RepoStore::list() const {
  std::vector<RepoId> repos;
  auto scan = [&](const fs::path& base, RepoType type) {
    std::error_code ec;
    for (const auto& org : fs::directory_iterator(base, ec)) {
      std::string org_name = org.path().filename().string();
      if (!org.is_directory() || is_hidden(org_name)) continue;
      if (type == RepoType::model && (org_name == "datasets" || org_name == "spaces")) continue;
      for (const auto& name : fs::directory_iterator(org.path(), ec)) {
        if (!name.is_directory() || is_hidden(name.path().filename().string())) continue;
        try {
          repos.push_back(RepoId::parse(org_name + "/" + name.path().filename().string(), type));
        } catch (const Error&) {
          // A folder whose name is not a valid repo id is not served.
        }
      }
    }
  };
  scan(root_, RepoType::model);
  scan(root_ / "datasets", RepoType::dataset);
  scan(root_ / "spaces", RepoType::space);
  return repos;
}

}  // namespace gatehouse::hub
