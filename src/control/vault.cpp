#include "control/vault.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/error.h"
#include "base/file.h"
#include "control/data_dir.h"
#include "control/sodium_init.h"

namespace gatehouse::control {
namespace fs = std::filesystem;
namespace {

constexpr size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr const char* kKeyVariable = "GATEHOUSE_MASTER_KEY";
static_assert(kKeyBytes == 32);
constexpr const char* kDoesNotOpen =
    "a sealed secret value does not open: it was altered, moved to another secret, or sealed under another master "
    "key (check GATEHOUSE_MASTER_KEY or master.key)";

// Wipes a buffer that held key material when it goes.
struct Wipe {
  std::string& bytes;
  ~Wipe() { sodium_memzero(bytes.data(), bytes.size()); }
};

SecretString key_from_variable(const char* hex) {
  const size_t length = std::strlen(hex);
  std::string key(kKeyBytes, '\0');
  size_t decoded = 0;
  const char* end = nullptr;
  bool ok = length == 2 * kKeyBytes &&
            sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), hex, length, nullptr, &decoded, &end) == 0 &&
            decoded == kKeyBytes && end == hex + length;
  if (!ok) {
    sodium_memzero(key.data(), key.size());
    // The value is a key: the message says what is wrong with it, never what it is.
    throw Error(ErrorCode::invalid_argument, std::string(kKeyVariable) +
                                                 " must be 64 hex digits (a 32-byte key, e.g. from `openssl rand -hex 32`); "
                                                 "the value set is not; fix it or unset it to use the key file in the data directory");
  }
  return SecretString(std::move(key));
}

[[noreturn]] void key_file_error(int error, const fs::path& path) {
  ErrorCode code = error == EACCES || error == EPERM ? ErrorCode::permission_denied : ErrorCode::internal;
  throw Error(code, "cannot read the master key file " + path.string() + ": " + std::strerror(error));
}

SecretString read_key_file(const fs::path& path) {
  files::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (fd.get() < 0) key_file_error(errno, path);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) key_file_error(errno, path);
  if (!S_ISREG(info.st_mode)) {
    throw Error(ErrorCode::invalid_argument, "the master key file " + path.string() + " is not a regular file");
  }
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    throw Error(ErrorCode::invalid_argument, "the master key file " + path.string() + " may be read by group or others (mode " +
                                                 mode + "); restrict it with `chmod 600 " + path.string() + "`");
  }
  if (static_cast<size_t>(info.st_size) != kKeyBytes) {
    throw Error(ErrorCode::invalid_argument,
                "the master key file " + path.string() + " holds " + std::to_string(info.st_size) + " bytes instead of " +
                    std::to_string(kKeyBytes) + "; restore it from a backup (secrets sealed under another key cannot be read)");
  }
  std::string key(kKeyBytes, '\0');
  size_t got = 0;
  while (got < key.size()) {
    ssize_t n = ::read(fd.get(), key.data() + got, key.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = n < 0 ? errno : EIO;
      sodium_memzero(key.data(), key.size());
      key_file_error(error, path);
    }
    got += static_cast<size_t>(n);
  }
  return SecretString(std::move(key));
}

}  // namespace

Vault Vault::open(const fs::path& data_dir) {
  init_sodium();
  // Env wins over the key file, so a deployment can keep the key out of the data directory.
  if (const char* hex = std::getenv(kKeyVariable); hex != nullptr) return Vault(key_from_variable(hex));
  ensure_data_dir(data_dir);
  const fs::path path = data_dir / "master.key";
  std::string fresh(kKeyBytes, '\0');
  Wipe wipe{fresh};
  randombytes_buf(fresh.data(), fresh.size());
  // Either our key lands, or another process's got there first; both ways the file is then read.
  create_private_file(path, fresh);
  return Vault(read_key_file(path));
}

Vault Vault::with_key(const SecretString& key_bytes) {
  init_sodium();
  if (key_bytes.reveal().size() != kKeyBytes) {
    throw Error(ErrorCode::invalid_argument, "a vault key must be exactly " + std::to_string(kKeyBytes) + " bytes, not " +
                                                 std::to_string(key_bytes.reveal().size()));
  }
  return Vault(key_bytes);
}

std::string Vault::seal(const SecretString& plaintext, std::string_view associated_data) const {
  const std::string& message = plaintext.reveal();
  std::string sealed(kNonceBytes + message.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  // A fresh random 192-bit nonce per value: XChaCha20's nonce is long enough that random nonces
  // never collide in practice, so no counter has to be kept.
  randombytes_buf(out, kNonceBytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out + kNonceBytes, &written, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
      reinterpret_cast<const unsigned char*>(associated_data.data()), associated_data.size(), nullptr, out,
      reinterpret_cast<const unsigned char*>(key_.reveal().data()));
  return sealed;
}

SecretString Vault::open(std::string_view sealed, std::string_view associated_data) const {
  if (sealed.size() < kNonceBytes + kTagBytes) throw Error(ErrorCode::data_loss, kDoesNotOpen);
  const auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string plaintext(sealed.size() - kNonceBytes - kTagBytes, '\0');
  unsigned long long written = 0;
  int result = crypto_aead_xchacha20poly1305_ietf_decrypt(
      reinterpret_cast<unsigned char*>(plaintext.data()), &written, nullptr, in + kNonceBytes, sealed.size() - kNonceBytes,
      reinterpret_cast<const unsigned char*>(associated_data.data()), associated_data.size(), in,
      reinterpret_cast<const unsigned char*>(key_.reveal().data()));
  if (result != 0) throw Error(ErrorCode::data_loss, kDoesNotOpen);
  return SecretString(std::move(plaintext));
}

}  // namespace gatehouse::control
