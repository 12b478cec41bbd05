// File utilities: whole-file reads with errors a user can act on, atomic writes (temporary file
// + rename, so readers never see half a file), and read-only memory maps. Reads and maps open
// only regular files (a symlink is followed to one): a FIFO, a device such as /dev/zero, a socket
// or a directory in a model folder is refused by name instead of blocking or reading forever.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace gatehouse::files {

// Size limits for read_file by kind of file. Real files are far below them: configs and chat
// templates are kilobytes, the largest tokenizer.json files tens of megabytes.
inline constexpr size_t kConfigFileLimit = size_t(64) << 20;      // config.json, tokenizer_config.json, ...
inline constexpr size_t kTokenizerFileLimit = size_t(512) << 20;  // tokenizer.json
inline constexpr size_t kDefaultFileLimit = size_t(256) << 20;    // anything else

// An open file descriptor, closed when it goes; movable, not copyable.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Opens a regular file (or a symlink to one) for reading, refusing anything else as read_file does.
UniqueFd open_regular_file(const std::filesystem::path& path);

// Reads a whole regular file of at most `max_bytes`. Throws not_found / permission_denied, or
// invalid_argument naming the file for one that is not a regular file or is larger than the limit.
std::string read_file(const std::filesystem::path& path, size_t max_bytes = kDefaultFileLimit);

// Reads a whole input file the user names on the command line (`--messages chat.json`,
// `--messages <(...)`): a regular file as read_file does, or a pipe, read to its end. Devices,
// sockets and directories are refused as read_file refuses them; `max_bytes` bounds both.
std::string read_named_input(const std::filesystem::path& path, size_t max_bytes = kDefaultFileLimit);

// Writes `contents` to a temporary file beside `path`, fsyncs it and renames it over `path`.
// The file gets exactly `mode` (0600 for secrets).
void write_file_atomic(const std::filesystem::path& path, std::string_view contents, mode_t mode = 0644);

// A read-only mapping of a whole regular file (weights: no size limit, pages are read on use);
// movable, unmapped on destruction. Empty files map to an empty view.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }
  size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace gatehouse::files
