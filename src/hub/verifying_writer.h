// The partial file of one blob download, blobs/<etag>.incomplete, written while it is hashed as
// the Hub's id says (64 hex: SHA-256, 40 hex: git blob SHA-1). Kept across runs: the bytes already
// in the file are hashed first and writing continues after them, as huggingface_hub resumes the
// same file. The caller holds the blob's lock. Bytes are gathered into 1 MiB blocks: one write(2)
// each, then the block goes to a hashing thread. One thread uses a writer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/hash.h"

namespace gatehouse::hub {

class VerifyingWriter {
 public:
  // Opens (or creates) the file, never through a symlink; one holding more than `size` bytes is
  // emptied first. Throws permission_denied when it cannot be opened or is not a regular file.
  VerifyingWriter(std::filesystem::path path, std::string etag, uint64_t size);
  // Writes out the bytes received so far (unhashed), so that the next run continues after them.
  ~VerifyingWriter();
  VerifyingWriter(const VerifyingWriter&) = delete;
  VerifyingWriter& operator=(const VerifyingWriter&) = delete;

  // Starts the file over (the server ignored a Range request, or the kept bytes were wrong).
  void restart() { open(true); }

  // Appends received bytes; throws data_loss past the announced size, resource_exhausted when
  // the disk is full.
  void write(std::string_view chunk);

  uint64_t written() const { return written_; }
  // The bytes found in the file when it was opened (0 after restart()).
  uint64_t resumed() const { return resumed_; }

  // Checks size and hash; the caller deletes the file when this throws data_loss.
  void finish(const std::string& what);

 private:
  static constexpr size_t kBlockBytes = 1u << 20;

  void open(bool truncate);
  void flush_block();
  void write_all(std::string_view bytes);

  std::filesystem::path path_;
  std::string etag_;
  uint64_t size_;
  int fd_ = -1;
  std::string block_;
  uint64_t written_ = 0;
  uint64_t resumed_ = 0;
  std::optional<Hasher> sha256_;
  std::optional<GitBlobHasher> git_;
  std::unique_ptr<BackgroundHasher> background_;  // hashes on its own thread while we receive
};

}  // namespace gatehouse::hub
