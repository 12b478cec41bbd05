// The control plane's data directory (--data-dir) and the private files in it: the directory is
// created 0700 and the files 0600, so that the master key and the database are the owner's alone
// whatever the umask. Stateless functions; safe from any thread.
#pragma once

#include <filesystem>
#include <string_view>

namespace gatehouse::control {

// Creates `dir` (and its parents) when absent, the directory itself with mode 0700. Throws Error
// naming the directory when it cannot be created or is not a directory.
void ensure_data_dir(const std::filesystem::path& dir);

// Creates `path` holding `contents` with mode 0600, atomically: a reader sees the whole file or
// none, and an existing file is never replaced. Returns false (writing nothing) when it exists.
bool create_private_file(const std::filesystem::path& path, std::string_view contents);

// Creates `path` empty with mode 0600 when absent, and takes group and other permissions away from
// an existing one, so that files a library creates beside it with its mode (SQLite's -wal and
// -shm) are private too.
void ensure_private_file(const std::filesystem::path& path);

}  // namespace gatehouse::control
