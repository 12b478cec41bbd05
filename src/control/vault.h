// Seals and opens secret values with libsodium's XChaCha20-Poly1305 (AEAD) under one 32-byte master
// key. The associated data binds a sealed value to where it belongs (namespace, name, key), so a
// value copied to another row does not open. Immutable after construction; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/secret_string.h"

namespace gatehouse::control {

class Vault {
 public:
  // The master key from GATEHOUSE_MASTER_KEY (64 hex digits), or from <data_dir>/master.key,
  // which is created (0600, 32 random bytes) when absent. Throws invalid_argument for a malformed
  // variable or key file, naming which one (never its content).
  static Vault open(const std::filesystem::path& data_dir);
  static Vault with_key(const SecretString& key_bytes);  // exactly 32 bytes; for tests

  // nonce || ciphertext || tag.
  std::string seal(const SecretString& plaintext, std::string_view associated_data) const;
  // Throws Error(data_loss) when the value was tampered with or sealed under another key.
  SecretString open(std::string_view sealed, std::string_view associated_data) const;

 private:
  explicit Vault(SecretString key) : key_(std::move(key)) {}
  SecretString key_;
};

}  // namespace gatehouse::control
