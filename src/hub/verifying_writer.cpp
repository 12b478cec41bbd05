#include "hub/verifying_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/error.h"
#include "base/log.h"

namespace gatehouse::hub {

VerifyingWriter::VerifyingWriter(std::filesystem::path path, std::string etag, uint64_t size)
    : path_(std::move(path)), etag_(std::move(etag)), size_(size) {
  open(false);
}

VerifyingWriter::~VerifyingWriter() {
  background_.reset();
  if (fd_ >= 0) {
    try {
      write_all(block_);
    } catch (const Error&) {
      // The next run continues from what did reach the file.
    }
    ::close(fd_);
  }
}

void VerifyingWriter::write(std::string_view chunk) {
  if (written_ + chunk.size() > size_) {
    throw Error(ErrorCode::data_loss, "the server sent more than the " + std::to_string(size_) + " bytes announced");
  }
  written_ += chunk.size();
  block_.append(chunk);
  if (block_.size() >= kBlockBytes) flush_block();
}

void VerifyingWriter::finish(const std::string& what) {
  flush_block();
  background_->finish();
  if (::close(std::exchange(fd_, -1)) != 0) {
    throw Error(ErrorCode::resource_exhausted, "writing " + path_.string() + " failed: " + std::strerror(errno));
  }
  if (written_ != size_) {
    throw Error(ErrorCode::data_loss, what + ": received " + std::to_string(written_) + " of " + std::to_string(size_) +
                                          " bytes");
  }
  std::string actual = etag_.size() == 64 ? sha256_->hex_digest() : etag_.size() == 40 ? git_->hex_digest() : etag_;
  if (actual != etag_) {
    throw Error(ErrorCode::data_loss, what + ": the content does not match the hash the Hub published (" + etag_ +
                                          ", got " + actual + "); the file was not kept");
  }
}

// Opens the file, emptied when `truncate` or when it holds more than the blob's size, and feeds
// the bytes it keeps to fresh hashers.
void VerifyingWriter::open(bool truncate) {
  background_.reset();  // joins before the hashers it feeds are replaced
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (truncate ? O_TRUNC : 0), 0644);
  if (fd_ < 0) throw Error(ErrorCode::permission_denied, "cannot write " + path_.string() + ": " + std::strerror(errno));
  struct stat info{};
  if (::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(std::exchange(fd_, -1));
    throw Error(ErrorCode::permission_denied, path_.string() + " is not a regular file; remove it and retry");
  }
  uint64_t kept = uint64_t(info.st_size);
  if (kept > size_) {
    GH_LOG(warn) << "discarding " << path_.string() << ": it holds " << kept << " bytes, more than the " << size_
                 << " of the blob";
    if (::ftruncate(fd_, 0) != 0) throw Error(ErrorCode::permission_denied, "cannot empty " + path_.string());
    kept = 0;
  }
  written_ = resumed_ = 0;
  block_.clear();
  sha256_.emplace(Hasher::sha256);
  git_.emplace(size_);
  background_ = std::make_unique<BackgroundHasher>([this](std::string_view block) {
    if (etag_.size() == 64) sha256_->update(block);
    if (etag_.size() == 40) git_->update(block);
  });
  while (resumed_ < kept) {
    std::string block(std::min<uint64_t>(kBlockBytes, kept - resumed_), '\0');
    ssize_t n = ::pread(fd_, block.data(), block.size(), off_t(resumed_));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) throw Error(ErrorCode::data_loss, path_.string() + " shrank while it was read; run the download again");
    if (n < 0) throw Error(ErrorCode::permission_denied, "cannot read " + path_.string() + ": " + std::strerror(errno));
    block.resize(size_t(n));
    resumed_ += uint64_t(n);
    background_->push(std::move(block));
  }
  written_ = resumed_;
  if (::lseek(fd_, off_t(resumed_), SEEK_SET) < 0) {
    throw Error(ErrorCode::permission_denied, "cannot seek in " + path_.string() + ": " + std::strerror(errno));
  }
}

void VerifyingWriter::flush_block() {
  if (block_.empty()) return;
  write_all(block_);
  background_->push(std::move(block_));
  block_ = std::string();
  block_.reserve(kBlockBytes);
}

void VerifyingWriter::write_all(std::string_view bytes) {
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = n < 0 ? errno : ENOSPC;  // write(2) returns 0 only when nothing more fits
      throw Error(ErrorCode::resource_exhausted, "writing " + path_.string() + " failed: " + std::strerror(error) +
                                                     " (is the disk full?)");
    }
    done += size_t(n);
  }
}

}  // namespace gatehouse::hub
