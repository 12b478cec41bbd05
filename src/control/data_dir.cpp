#include "control/data_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "base/error.h"
#include "base/file.h"

namespace gatehouse::control {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void fail(int error, std::string_view action, const fs::path& path) {
  ErrorCode code = ErrorCode::internal;
  if (error == EACCES || error == EPERM || error == EROFS) code = ErrorCode::permission_denied;
  else if (error == ENOENT || error == ENOTDIR) code = ErrorCode::not_found;
  else if (error == ENOSPC || error == EDQUOT) code = ErrorCode::resource_exhausted;
  throw Error(code, "cannot " + std::string(action) + " " + path.string() + ": " + std::strerror(error));
}

void write_all(int fd, std::string_view contents, const fs::path& path) {
  while (!contents.empty()) {
    ssize_t written = ::write(fd, contents.data(), contents.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) fail(errno, "write", path);
    contents.remove_prefix(static_cast<size_t>(written));
  }
}

}  // namespace

void ensure_data_dir(const fs::path& given) {
  // "data/" names the directory "data": without the trailing separator, its parent is the parent.
  const fs::path dir = given.has_filename() || !given.has_parent_path() ? given : given.parent_path();
  if (dir.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(dir.parent_path(), ec);
    if (ec) fail(ec.value(), "create the parent of the data directory", dir);
  }
  if (::mkdir(dir.c_str(), 0700) == 0) return;
  if (errno != EEXIST) fail(errno, "create the data directory", dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(ErrorCode::invalid_argument, "the data directory " + dir.string() + " exists and is not a directory; "
                                             "choose another --data-dir");
  }
}

bool create_private_file(const fs::path& path, std::string_view contents) {
  // Written under a unique temporary name, then linked into place: link() fails with EEXIST instead
  // of replacing, so two processes creating the file at once agree on one, and nobody ever reads a
  // half-written file.
  static std::atomic<uint64_t> counter{0};
  fs::path temporary = path;
  temporary += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  {
    files::UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) fail(errno, "create", temporary);
    try {
      write_all(fd.get(), contents, temporary);
      if (::fsync(fd.get()) != 0) fail(errno, "sync", temporary);
    } catch (...) {
      ::unlink(temporary.c_str());
      throw;
    }
  }
  int linked = ::link(temporary.c_str(), path.c_str());
  int link_error = errno;
  ::unlink(temporary.c_str());
  if (linked != 0 && link_error == EEXIST) return false;
  if (linked != 0) fail(link_error, "create", path);
  files::UniqueFd dir(::open(path.has_parent_path() ? path.parent_path().c_str() : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
  return true;
}

void ensure_private_file(const fs::path& path) {
  files::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) fail(errno, "open", path);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) fail(errno, "stat", path);
  if (!S_ISREG(info.st_mode)) {
    throw Error(ErrorCode::invalid_argument, path.string() + " is not a regular file; move it out of the data directory");
  }
  if ((info.st_mode & 077) != 0 && ::fchmod(fd.get(), info.st_mode & 0700) != 0) fail(errno, "chmod", path);
}

}  // namespace gatehouse::control
