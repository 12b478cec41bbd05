#include "hub/mirror/repo_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "base/error.h"
#include "base/hash.h"
#include "base/log.h"

namespace gatehouse::hub {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kLfsThreshold = 10u << 20;

int64_t mtime_ns(const struct stat& info) { return int64_t(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec; }

// Folders and files a repo folder may hold that are not repo content.
bool is_hidden(const std::string& name) { return name.empty() || name[0] == '.'; }

// True when every part of `relative` below `base` is a real folder, not a symlink: repo and
// revision folders are served only where they are, never through a link that could lead out of
// the root or into another (gated) repo.
bool is_real_folder(const fs::path& base, const fs::path& relative) {
  fs::path at = base;
  for (const fs::path& part : relative) {
    at /= part;
    struct stat info{};
    if (::lstat(at.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return false;
  }
  return true;
}

// Where the bytes of a repo entry are, by the symlink policy (docs/hub.md): a regular file is
// itself; a symlink counts only when its target, fully resolved, is a regular file of the same
// folder (`dir`, the revision being read) that this folder serves itself, i.e. not under a hidden
// part; dangling links, loops, links to folders and anything else give nullopt.
std::optional<fs::path> servable_target(const fs::directory_entry& entry, const fs::path& dir) {
  std::error_code ec;
  fs::file_status status = entry.symlink_status(ec);
  if (ec) return std::nullopt;
  if (fs::is_regular_file(status)) return entry.path();
  if (!fs::is_symlink(status)) return std::nullopt;
  fs::path target = fs::canonical(entry.path(), ec);  // ELOOP, ENOENT: not served
  if (ec || !fs::is_regular_file(fs::symlink_status(target, ec)) || ec) return std::nullopt;
  fs::path inside = target.lexically_relative(dir);
  if (inside.empty() || *inside.begin() == "..") return std::nullopt;
  for (const fs::path& part : inside) {
    if (is_hidden(part.string())) return std::nullopt;
  }
  return target;
}

// True when the open file `fd` is the one at `path` (a resolved path): by the kernel's own name
// for it in /proc, or, where /proc is not mounted, by device and inode against the resolved path.
bool opened_file_is(int fd, const struct stat& info, const fs::path& path) {
  std::error_code ec;
  fs::path opened = fs::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
  if (!ec) return opened == path;
  fs::path resolved = fs::canonical(path, ec);
  struct stat named{};
  return !ec && resolved == path && ::stat(resolved.c_str(), &named) == 0 && named.st_dev == info.st_dev &&
         named.st_ino == info.st_ino;
}

// Opens a file the store found for reading, and checks that the opened file is the one meant: a
// regular file (no FIFO, device or folder) whose resolved path is still `path`, so a component
// swapped for a symlink since the folder was read is caught. Returns the descriptor and its stat.
files::UniqueFd open_verified(const fs::path& path, struct stat& info) {
  files::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) throw Error(ErrorCode::not_found, "cannot read " + path.string() + ": " + std::strerror(errno));
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) || !opened_file_is(fd.get(), info, path)) {
    throw Error(ErrorCode::not_found, path.string() + " is no longer the regular file the mirror listed");
  }
  return fd;
}

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

RepoStore::RepoStore(fs::path root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw Error(ErrorCode::not_found, "the mirror root " + root.string() + " is not a folder");
  }
  root_ = fs::canonical(root);  // the root itself may be a link; nothing below it is followed out
}

std::optional<fs::path> RepoStore::repo_dir(const RepoId& repo) const {
  fs::path relative;
  if (repo.type == RepoType::dataset) relative /= "datasets";
  if (repo.type == RepoType::space) relative /= "spaces";
  relative /= repo.name;  // RepoId validation keeps this inside the root
  if (!is_real_folder(root_, relative)) return std::nullopt;
  return root_ / relative;
}

std::optional<fs::path> RepoStore::revision_dir(const RepoId& repo, const std::string& name) const {
  std::optional<fs::path> dir = repo_dir(repo);
  fs::path relative = fs::path(".revisions") / name;  // validated: no "..", not absolute
  if (!dir || !is_real_folder(*dir, relative)) return std::nullopt;
  return *dir / relative;
}

RepoStore::CachedHash RepoStore::hashes(const fs::path& file, const std::string& relative) const {
  struct stat info{};
  files::UniqueFd fd = open_verified(file, info);
  const std::string key = file.string();
  {
    std::lock_guard lock(mutex_);
    auto it = hash_cache_.find(key);
    if (it != hash_cache_.end() && it->second.size == uint64_t(info.st_size) && it->second.mtime_ns == mtime_ns(info)) {
      return it->second;
    }
  }
  // Hash outside the lock: a large file must not stall every other request. One pass feeds both.
  CachedHash computed{uint64_t(info.st_size), mtime_ns(info), "", std::nullopt};
  GitBlobHasher git(computed.size);
  std::optional<Hasher> sha256;
  if (is_lfs_file(relative, computed.size)) sha256.emplace(Hasher::sha256);
  std::string buffer(1u << 20, '\0');
  uint64_t read = 0;
  while (read < computed.size) {
    ssize_t n = ::read(fd.get(), buffer.data(), std::min<uint64_t>(buffer.size(), computed.size - read));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // shrunk while being read: the hasher reports the short count below
    std::string_view chunk(buffer.data(), size_t(n));
    git.update(chunk);
    if (sha256) sha256->update(chunk);
    read += uint64_t(n);
  }
  if (read != computed.size) throw Error(ErrorCode::unavailable, file.string() + " changed while it was hashed");
  computed.oid = git.hex_digest();
  if (sha256) computed.sha256 = sha256->hex_digest();
  std::lock_guard lock(mutex_);
  return hash_cache_[key] = std::move(computed);
}

std::optional<RepoSnapshot> RepoStore::snapshot(const RepoId& repo) const {
  std::optional<fs::path> dir = repo_dir(repo);
  if (!dir) return std::nullopt;
  return snapshot_of(*dir);
}

std::optional<RepoSnapshot> RepoStore::revision(const RepoId& repo, const std::string& revision) const {
  if (!is_commit_hash(revision)) {
    validate_revision(revision);  // no "..", no absolute paths: stays inside .revisions/
    std::optional<fs::path> dir = revision_dir(repo, revision);
    if (!dir) return std::nullopt;
    return snapshot_of(*dir);
  }
  for (const std::string& name : revision_names(repo)) {
    std::optional<fs::path> dir = revision_dir(repo, name);
    if (!dir) continue;
    RepoSnapshot candidate = snapshot_of(*dir);
    if (candidate.commit == revision) return candidate;
  }
  return std::nullopt;
}

std::vector<std::string> RepoStore::revision_names(const RepoId& repo) const {
  std::vector<std::string> names;
  std::optional<fs::path> repo_folder = repo_dir(repo);
  if (!repo_folder || !is_real_folder(*repo_folder, ".revisions")) return names;
  std::error_code ec;
  auto real_folders = [&](const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      std::error_code status_error;
      if (fs::is_directory(entry.symlink_status(status_error)) && !is_hidden(name)) out.push_back(name);
    }
    return out;
  };
  fs::path revisions = *repo_folder / ".revisions";
  for (const std::string& name : real_folders(revisions)) {
    if (name == "refs") {  // refs/pr/N and the like are nested
      for (const std::string& kind : real_folders(revisions / "refs")) {
        for (const std::string& leaf : real_folders(revisions / "refs" / kind)) names.push_back("refs/" + kind + "/" + leaf);
      }
      continue;
    }
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

files::UniqueFd RepoStore::open_file(const RepoId&, const RepoSnapshot&, const RepoFile& file) const {
  struct stat info{};
  files::UniqueFd fd = open_verified(file.disk_path, info);
  if (uint64_t(info.st_size) != file.size) {
    throw Error(ErrorCode::unavailable, file.disk_path.string() + " changed since it was listed");
  }
  return fd;
}

RepoSnapshot RepoStore::snapshot_of(const fs::path& dir) const {
  std::error_code ec;
  RepoSnapshot snapshot;
  int64_t newest = 0;
  // Folder symlinks are never descended into (directory_options::none); file symlinks are
  // followed only as servable_target() allows.
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (is_hidden(name)) {
      it.disable_recursion_pending();
      continue;
    }
    std::optional<fs::path> target = servable_target(*it, dir);
    if (!target) continue;
    // The link's own path, lexically: never its target's, so no ".." can appear.
    std::string relative = it->path().lexically_relative(dir).generic_string();
    CachedHash hash;
    try {
      hash = hashes(*target, relative);
    } catch (const Error& error) {
      GH_LOG(warn) << "hub mirror: not serving " << it->path().string() << ": " << error.what();
      continue;
    }
    newest = std::max(newest, hash.mtime_ns);
    snapshot.files.push_back({relative, hash.size, hash.oid, hash.sha256, *target});
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
    std::error_code status_error;
    if (!is_real_folder(root_, base.lexically_relative(root_))) return;
    for (const auto& org : fs::directory_iterator(base, ec)) {
      std::string org_name = org.path().filename().string();
      if (!fs::is_directory(org.symlink_status(status_error)) || is_hidden(org_name)) continue;
      if (type == RepoType::model && (org_name == "datasets" || org_name == "spaces")) continue;
      for (const auto& name : fs::directory_iterator(org.path(), ec)) {
        if (!fs::is_directory(name.symlink_status(status_error)) || is_hidden(name.path().filename().string())) continue;
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
