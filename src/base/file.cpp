#include "base/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "base/error.h"

namespace gatehouse::files {
namespace {

[[noreturn]] void throw_errno(int error, std::string_view action, const std::filesystem::path& path) {
  ErrorCode code = ErrorCode::internal;
  if (error == ENOENT || error == ENOTDIR) code = ErrorCode::not_found;
  else if (error == EACCES || error == EPERM) code = ErrorCode::permission_denied;
  else if (error == EISDIR) code = ErrorCode::invalid_argument;
  else if (error == ENOSPC || error == EDQUOT) code = ErrorCode::resource_exhausted;
  throw Error(code, "cannot " + std::string(action) + " " + path.string() + ": " + std::strerror(error));
}

// What a file that is not a regular file is, for the error that refuses it.
std::string_view kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string describe_size(size_t bytes) {
  if (bytes >= (size_t(1) << 20) && bytes % (size_t(1) << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

// Opens `path` for reading only if it is (or links to) a regular file, or a pipe when `pipes`.
// Without `pipes`, O_NONBLOCK keeps open() from waiting for a writer when it is a FIFO; it is
// cleared once the file is known to be regular. A pipe the user names is opened as cat opens it.
UniqueFd open_readable_file(const std::filesystem::path& path, struct stat& info, bool pipes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | (pipes ? 0 : O_NONBLOCK)));
  if (fd.get() < 0) throw_errno(errno, "open", path);
  if (::fstat(fd.get(), &info) != 0) throw_errno(errno, "stat", path);
  if (pipes && S_ISFIFO(info.st_mode)) return fd;
  if (!S_ISREG(info.st_mode)) {
    throw Error(ErrorCode::invalid_argument, "cannot read " + path.string() + ": it is " + std::string(kind_of(info.st_mode)) +
                                                 (pipes ? ", not a regular file or a pipe"
                                                        : ", not a regular file; model and config files must be regular "
                                                          "files (or symlinks to them)"));
  }
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) throw_errno(errno, "open", path);
  return fd;
}

[[noreturn]] void too_large(const std::filesystem::path& path, size_t max_bytes) {
  throw Error(ErrorCode::invalid_argument, "cannot read " + path.string() + ": it is larger than the " +
                                               describe_size(max_bytes) + " limit for this kind of file");
}

}  // namespace

namespace {

std::string read_whole(const std::filesystem::path& path, size_t max_bytes, bool pipes) {
  struct stat info {};
  UniqueFd fd = open_readable_file(path, info, pipes);
  if (uint64_t(info.st_size) > max_bytes) too_large(path, max_bytes);
  std::string contents;
  contents.resize(size_t(info.st_size));
  size_t done = 0;
  while (true) {
    if (done == contents.size()) {  // the file grew since fstat: read on, up to the limit
      if (done > max_bytes) too_large(path, max_bytes);
      contents.resize(std::min(contents.size() * 2 + 4096, max_bytes) + 1);
    }
    ssize_t n = ::read(fd.get(), contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, "read", path);
    }
    if (n == 0) break;
    done += size_t(n);
  }
  if (done > max_bytes) too_large(path, max_bytes);
  contents.resize(done);
  return contents;
}

}  // namespace

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd open_regular_file(const std::filesystem::path& path) {
  struct stat info {};
  return open_readable_file(path, info, false);
}

std::string read_file(const std::filesystem::path& path, size_t max_bytes) { return read_whole(path, max_bytes, false); }

std::string read_named_input(const std::filesystem::path& path, size_t max_bytes) {
  return read_whole(path, max_bytes, true);
}

void write_file_atomic(const std::filesystem::path& path, std::string_view contents, mode_t mode) {
  std::random_device random;
  std::filesystem::path temporary = path;
  temporary += ".tmp." + std::to_string(random());
  {
    UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (fd.get() < 0) throw_errno(errno, "create", temporary);
    ::fchmod(fd.get(), mode);  // exactly `mode`, whatever the umask
    size_t done = 0;
    while (done < contents.size()) {
      ssize_t n = ::write(fd.get(), contents.data() + done, contents.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        throw_errno(error, "write", temporary);
      }
      done += size_t(n);
    }
    if (::fsync(fd.get()) != 0) {
      int error = errno;
      ::unlink(temporary.c_str());
      throw_errno(error, "sync", temporary);
    }
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temporary.c_str());
    throw_errno(error, "rename onto", path);
  }
}

MappedFile::MappedFile(const std::filesystem::path& path) {
  struct stat info {};
  UniqueFd fd = open_readable_file(path, info, false);
  size_ = size_t(info.st_size);
  if (size_ == 0) return;
  data_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (data_ == MAP_FAILED) {
    data_ = nullptr;
    throw_errno(errno, "map", path);
  }
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(data_, size_);
}

MappedFile::MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_) ::munmap(data_, size_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

}  // namespace gatehouse::files
