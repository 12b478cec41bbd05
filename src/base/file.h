// File utilities: whole-file reads with errors a user can act on, atomic writes (temporary file
// + rename, so readers never see half a file), and read-only memory maps.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace gatehouse::files {

// Reads a whole file. Throws not_found / permission_denied / invalid_argument (a directory).
std::string read_file(const std::filesystem::path& path);

// Writes `contents` to a temporary file beside `path`, fsyncs it and renames it over `path`.
// The file gets exactly `mode` (0600 for secrets).
void write_file_atomic(const std::filesystem::path& path, std::string_view contents, mode_t mode = 0644);

// A read-only mapping of a whole file; movable, unmapped on destruction. Empty files map to an
// empty view.
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
