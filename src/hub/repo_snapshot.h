// A repo's content at one commit: its files with the ids the Hub gives them (git blob SHA-1, and
// the SHA-256 of LFS files). Plain data, shared by the client and the mirror.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::hub {

struct RepoFile {
  std::string path;  // '/'-separated, relative to the repo
  uint64_t size = 0;
  std::string oid;                   // git blob SHA-1
  std::optional<std::string> sha256;  // set for LFS files
  std::filesystem::path disk_path;  // where the bytes are, when they are local

  // What clients name the blob by: the LFS SHA-256, else the git SHA-1.
  const std::string& etag() const { return sha256 ? *sha256 : oid; }
};

// A time as the Hub writes lastModified: "2026-11-24T02:30:49.000Z" (UTC).
std::string iso8601_utc(std::time_t seconds);

struct RepoSnapshot {
  std::string commit;             // 40 hex
  std::string last_modified;      // ISO 8601, the newest file's mtime
  std::vector<RepoFile> files;    // sorted by path

  const RepoFile* find(std::string_view path) const;
};

}  // namespace gatehouse::hub
