#include "hub/cache.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <system_error>

#include "base/error.h"
#include "base/file.h"

namespace gatehouse::hub {
namespace fs = std::filesystem;
namespace {

ErrorCode code_for(int error) {
  if (error == ENOENT || error == ENOTDIR) return ErrorCode::not_found;
  if (error == EACCES || error == EPERM || error == EROFS) return ErrorCode::permission_denied;
  if (error == ENOSPC || error == EDQUOT) return ErrorCode::resource_exhausted;
  if (error == EEXIST || error == EISDIR || error == ENOTEMPTY) return ErrorCode::conflict;
  return ErrorCode::internal;
}

[[noreturn]] void throw_errno(int error, std::string_view action, const fs::path& path) {
  throw Error(code_for(error), "hub cache: cannot " + std::string(action) + " " + path.string() + ": " +
                                   std::strerror(error));
}

void create_parent_dirs(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) throw_errno(ec.value(), "create folder", path.parent_path());
}

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

bool env_flag(const char* name) {
  auto value = env(name);
  if (!value) return false;
  std::string lower;
  for (char c : *value) lower.push_back(char(std::tolower(static_cast<unsigned char>(c))));
  return lower == "1" || lower == "on" || lower == "yes" || lower == "true";
}

std::string home_dir() {
  if (auto home = env("HOME")) return *home;
  if (const passwd* entry = ::getpwuid(::getuid()); entry && entry->pw_dir) return entry->pw_dir;
  return "/";
}

std::string random_hex8() {
  static thread_local std::mt19937 generator{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdef";
  uint32_t value = generator();
  std::string hex(8, '0');
  for (int i = 7; i >= 0; --i, value >>= 4) hex[size_t(i)] = kDigits[value & 0xF];
  return hex;
}

void require_commit(std::string_view commit) {
  if (!is_commit_hash(commit)) {
    std::string shown(commit.substr(0, 64));
    for (char& c : shown) if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    throw Error(ErrorCode::invalid_argument,
                "'" + shown + "' is not a commit hash (40 lowercase hex characters)");
  }
}

// Places `make_temporary(temporary)`'s result at `destination` with rename(2), so readers see the
// old entry or the new one, never neither.
template <typename Make>
void replace_atomically(const fs::path& destination, Make make_temporary) {
  fs::path temporary = destination;
  temporary += ".tmp." + random_hex8();
  make_temporary(temporary);
  if (::rename(temporary.c_str(), destination.c_str()) != 0) {
    int error = errno;
    ::unlink(temporary.c_str());
    throw_errno(error, "replace", destination);
  }
}

}  // namespace

fs::path expand_path(std::string_view path) {
  std::string text(path);
  if (!text.empty() && text[0] == '~' && (text.size() == 1 || text[1] == '/')) {
    text = home_dir() + text.substr(1);
  }
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '$') {
      out.push_back(text[i++]);
      continue;
    }
    size_t name_start = i + 1;
    size_t name_end = name_start;
    size_t next = name_start;
    if (name_start < text.size() && text[name_start] == '{') {
      size_t close = text.find('}', name_start + 1);
      if (close == std::string::npos) {
        out.push_back(text[i++]);
        continue;
      }
      name_start += 1;
      name_end = close;
      next = close + 1;
    } else {
      while (name_end < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[name_end])) || text[name_end] == '_')) {
        ++name_end;
      }
      next = name_end;
    }
    std::string name = text.substr(name_start, name_end - name_start);
    const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
    if (value) out += value;
    else out += text.substr(i, next - i);
    i = next;
  }
  return fs::path(out);
}

fs::path hf_home() {
  if (auto home = env("HF_HOME")) return expand_path(*home);
  if (auto xdg = env("XDG_CACHE_HOME")) return expand_path(*xdg + "/huggingface");
  return expand_path("~/.cache/huggingface");
}

HubCache::HubCache(fs::path root) : root_(std::move(root)) {
  if (root_.empty()) throw Error(ErrorCode::invalid_argument, "hub cache folder is empty");
}

fs::path HubCache::default_root() {
  if (auto cache = env("HF_HUB_CACHE")) return expand_path(*cache);
  if (auto cache = env("HUGGINGFACE_HUB_CACHE")) return expand_path(*cache);
  return hf_home() / "hub";
}

fs::path HubCache::repo_dir(const RepoId& repo) const {
  validate_repo_name(repo.name);
  return root_ / repo.cache_folder_name();
}

fs::path HubCache::blob_path(const RepoId& repo, std::string_view etag) const {
  validate_etag(etag);
  return repo_dir(repo) / "blobs" / std::string(etag);
}

fs::path HubCache::snapshot_dir(const RepoId& repo, std::string_view commit) const {
  require_commit(commit);
  return repo_dir(repo) / "snapshots" / std::string(commit);
}

fs::path HubCache::snapshot_path(const RepoId& repo, std::string_view commit, std::string_view file) const {
  return snapshot_dir(repo, commit) / validate_repo_path(file);
}

fs::path HubCache::ref_path(const RepoId& repo, std::string_view revision) const {
  validate_revision(revision);
  return repo_dir(repo) / "refs" / std::string(revision);
}

fs::path HubCache::no_exist_path(const RepoId& repo, std::string_view commit, std::string_view file) const {
  require_commit(commit);
  return repo_dir(repo) / ".no_exist" / std::string(commit) / validate_repo_path(file);
}

fs::path HubCache::lock_path(const RepoId& repo, std::string_view etag) const {
  validate_repo_name(repo.name);
  validate_etag(etag);
  return root_ / ".locks" / repo.cache_folder_name() / (std::string(etag) + ".lock");
}

fs::path HubCache::incomplete_path(const RepoId& repo, std::string_view etag) const {
  fs::path path = blob_path(repo, etag);
  path += ".incomplete";
  return path;
}

void HubCache::write_ref(const RepoId& repo, std::string_view revision, std::string_view commit) const {
  require_commit(commit);
  fs::path path = ref_path(repo, revision);
  if (read_ref(repo, revision) == std::string(commit)) return;
  create_parent_dirs(path);
  files::write_file_atomic(path, commit);
}

std::optional<std::string> HubCache::read_ref(const RepoId& repo, std::string_view revision) const {
  fs::path path = ref_path(repo, revision);
  std::string contents;
  try {
    contents = files::read_file(path);
  } catch (const Error& error) {
    if (error.code() == ErrorCode::not_found || error.code() == ErrorCode::invalid_argument) return std::nullopt;
    throw;
  }
  while (!contents.empty() && std::isspace(static_cast<unsigned char>(contents.back()))) contents.pop_back();
  if (!is_commit_hash(contents)) return std::nullopt;
  return contents;
}

std::optional<std::string> HubCache::resolve_revision(const RepoId& repo, std::string_view revision) const {
  if (auto commit = read_ref(repo, revision)) return commit;
  if (is_commit_hash(revision)) return std::string(revision);
  return std::nullopt;
}

void HubCache::link_snapshot(const RepoId& repo, std::string_view commit, std::string_view file,
                             std::string_view etag) const {
  const fs::path link = snapshot_path(repo, commit, file);
  const fs::path blob = blob_path(repo, etag);
  struct stat info {};
  if (::stat(blob.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    throw Error(ErrorCode::not_found, "hub cache: blob " + blob.string() + " is missing; download it before linking");
  }
  create_parent_dirs(link);

  std::string target;
  for (size_t depth = 2 + size_t(std::count(file.begin(), file.end(), '/')); depth > 0; --depth) target += "../";
  target += "blobs/";
  target += etag;

  const bool use_symlinks = !env_flag("HF_HUB_DISABLE_SYMLINKS");
  if (use_symlinks) {
    char current[4096];
    ssize_t n = ::readlink(link.c_str(), current, sizeof(current));
    if (n >= 0 && std::string_view(current, size_t(n)) == target) return;  // already linked
  }
  replace_atomically(link, [&](const fs::path& temporary) {
    if (use_symlinks && ::symlink(target.c_str(), temporary.c_str()) == 0) return;
    // Symlinks disabled or unsupported here (some network file systems): a real copy instead.
    std::error_code ec;
    fs::copy_file(blob, temporary, fs::copy_options::overwrite_existing, ec);
    if (ec) throw_errno(ec.value(), "copy blob to", temporary);
  });
}

void HubCache::mark_missing(const RepoId& repo, std::string_view commit, std::string_view file) const {
  fs::path path = no_exist_path(repo, commit, file);
  create_parent_dirs(path);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno(errno, "create", path);
  ::close(fd);
}

bool HubCache::known_missing(const RepoId& repo, std::string_view commit, std::string_view file) const {
  fs::path path = no_exist_path(repo, commit, file);
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

std::optional<fs::path> HubCache::cached_file(const RepoId& repo, std::string_view revision,
                                              std::string_view file) const {
  validate_revision(revision);
  validate_repo_path(file);
  auto commit = resolve_revision(repo, revision);
  if (!commit) return std::nullopt;
  fs::path path = snapshot_path(repo, *commit, file);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;  // follows the link
  return path;
}

BlobLock::BlobLock(const fs::path& lock_file) {
  create_parent_dirs(lock_file);
  fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664);
  if (fd_ < 0) throw_errno(errno, "open lock file", lock_file);
  ::fchmod(fd_, 0664);  // like Python's filelock; may fail on a file another user created, harmless
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int error = errno;
    ::close(fd_);
    fd_ = -1;
    throw_errno(error, "lock", lock_file);
  }
}

BlobLock::~BlobLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace gatehouse::hub
