#include "base/hash.h"

#include <algorithm>

#include <openssl/evp.h>

#include <memory>
#include <vector>

#include "base/error.h"

namespace gatehouse {
namespace {

EVP_MD_CTX* ctx(void* context) { return static_cast<EVP_MD_CTX*>(context); }

std::string to_hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 0xF];
  }
  return hex;
}

}  // namespace

Hasher::Hasher(Kind kind) : kind_(kind) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  GH_CHECK(context != nullptr);
  const EVP_MD* md = kind == sha1 ? EVP_sha1() : EVP_sha256();
  GH_CHECK(EVP_DigestInit_ex(context, md, nullptr) == 1);
  context_ = context;
}

Hasher::~Hasher() {
  if (context_) EVP_MD_CTX_free(ctx(context_));
}

Hasher::Hasher(Hasher&& other) noexcept
    : kind_(other.kind_), context_(other.context_), digest_(std::move(other.digest_)) {
  other.context_ = nullptr;
}

Hasher& Hasher::operator=(Hasher&& other) noexcept {
  if (this != &other) {
    if (context_) EVP_MD_CTX_free(ctx(context_));
    kind_ = other.kind_;
    context_ = other.context_;
    digest_ = std::move(other.digest_);
    other.context_ = nullptr;
  }
  return *this;
}

void Hasher::update(std::string_view data) {
  GH_CHECK(context_ != nullptr && digest_.empty());
  if (data.empty()) return;
  GH_CHECK(EVP_DigestUpdate(ctx(context_), data.data(), data.size()) == 1);
}

std::string Hasher::hex_digest() {
  if (!digest_.empty()) return digest_;
  GH_CHECK(context_ != nullptr);
  unsigned char bytes[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  GH_CHECK(EVP_DigestFinal_ex(ctx(context_), bytes, &size) == 1);
  digest_ = to_hex(bytes, size);
  return digest_;
}

std::string sha256_hex(std::string_view data) {
  Hasher hasher(Hasher::sha256);
  hasher.update(data);
  return hasher.hex_digest();
}

std::string sha1_hex(std::string_view data) {
  Hasher hasher(Hasher::sha1);
  hasher.update(data);
  return hasher.hex_digest();
}

GitBlobHasher::GitBlobHasher(uint64_t size) : hasher_(Hasher::sha1), size_(size) {
  std::string header = "blob " + std::to_string(size);
  header.push_back('\0');
  hasher_.update(header);
}

void GitBlobHasher::update(std::string_view data) {
  fed_ += data.size();
  hasher_.update(data);
}

std::string GitBlobHasher::hex_digest() {
  if (fed_ != size_) {
    throw Error(ErrorCode::invalid_argument, "git blob hash: expected " + std::to_string(size_) +
                                                 " bytes but got " + std::to_string(fed_) +
                                                 " (did the file change while it was read?)");
  }
  return hasher_.hex_digest();
}

std::string git_blob_sha1(std::string_view contents) {
  GitBlobHasher hasher(contents.size());
  hasher.update(contents);
  return hasher.hex_digest();
}

namespace {
constexpr size_t kMaxQueuedBlocks = 8;
}  // namespace

BackgroundHasher::BackgroundHasher(std::function<void(std::string_view)> consume)
    : consume_(std::move(consume)), thread_([this] { run(); }) {}

BackgroundHasher::~BackgroundHasher() { finish(); }

void BackgroundHasher::push(std::string block) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queue_.size() < kMaxQueuedBlocks; });
  queue_.push_back(std::move(block));
  changed_.notify_all();
}

void BackgroundHasher::finish() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BackgroundHasher::run() {
  while (true) {
    std::string block;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return !queue_.empty() || done_; });
      if (queue_.empty()) return;
      block = std::move(queue_.front());
      queue_.pop_front();
    }
    changed_.notify_all();
    consume_(block);
  }
}

}  // namespace gatehouse
