// Streaming SHA-1 / SHA-256 digests (OpenSSL EVP) and git's blob hash, used to verify downloads
// against the Hub's oids. A hasher is owned by one thread at a time; hex digests are lowercase.
#pragma once

#include <cstdint>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace gatehouse {

class Hasher {
 public:
  enum Kind { sha1, sha256 };

  explicit Hasher(Kind kind);
  ~Hasher();
  Hasher(Hasher&& other) noexcept;
  Hasher& operator=(Hasher&& other) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Kind kind() const { return kind_; }
  // Feeds more bytes. Must not be called after hex_digest().
  void update(std::string_view data);
  // Finishes the digest (once) and returns it as lowercase hex; later calls return the same value.
  std::string hex_digest();

 private:
  Kind kind_;
  void* context_ = nullptr;  // EVP_MD_CTX*
  std::string digest_;
};

// One-shot helpers.
std::string sha256_hex(std::string_view data);
std::string sha1_hex(std::string_view data);

// git's object id of a blob: sha1("blob <size>\0" + contents), the Hub's "oid" for non-LFS files.
std::string git_blob_sha1(std::string_view contents);

// Streaming git blob hash for contents whose size is known up front. hex_digest() throws
// invalid_argument when the bytes fed do not add up to the declared size.
class GitBlobHasher {
 public:
  explicit GitBlobHasher(uint64_t size);
  void update(std::string_view data);
  std::string hex_digest();

 private:
  Hasher hasher_;
  uint64_t size_;
  uint64_t fed_ = 0;
};

// Feeds blocks of bytes to `consume` (a hasher's update) on a thread of its own, so that hashing
// a download overlaps receiving and writing it. The blocks are handed over, not copied; at most 8
// wait, then push() blocks. finish() returns once everything was consumed. One producer thread.
class BackgroundHasher {
 public:
  explicit BackgroundHasher(std::function<void(std::string_view)> consume);
  ~BackgroundHasher();
  BackgroundHasher(const BackgroundHasher&) = delete;
  BackgroundHasher& operator=(const BackgroundHasher&) = delete;

  void push(std::string block);
  void finish();

 private:
  void run();

  std::function<void(std::string_view)> consume_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace gatehouse
