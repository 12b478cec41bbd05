// The Store's schema and its users and API tokens. Secrets: store_secrets.cpp; deployments, groups
// and the lifecycle log: store_deployments.cpp.
#include "control/store.h"

#include <sodium.h>

#include <chrono>
#include <string_view>

#include "base/error.h"
#include "control/data_dir.h"
#include "control/sodium_init.h"
#include "control/store_impl.h"

namespace gatehouse::control {
namespace fs = std::filesystem;
namespace {

// migrations[i] takes the schema from version i to i + 1 (PRAGMA user_version). Append only: a
// database written by this version is opened by every later one.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  created_unix INTEGER NOT NULL
);
CREATE TABLE tokens (
  hash BLOB PRIMARY KEY,
  username TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  created_unix INTEGER NOT NULL
);
CREATE INDEX tokens_by_user ON tokens(username, created_unix);
CREATE TABLE secrets (
  id INTEGER PRIMARY KEY,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  data_keys TEXT NOT NULL,
  created_unix INTEGER NOT NULL,
  UNIQUE (namespace, name)
);
CREATE TABLE secret_values (
  secret_id INTEGER NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  sealed BLOB NOT NULL,
  PRIMARY KEY (secret_id, key)
) WITHOUT ROWID;
CREATE TABLE deployment_groups (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_unix INTEGER NOT NULL,
  spec_json TEXT NOT NULL
);
CREATE TABLE deployments (
  uuid TEXT PRIMARY KEY,
  deployment_name TEXT NOT NULL,
  canonical_name TEXT NOT NULL,
  mode TEXT NOT NULL,
  recipe_id TEXT,
  recipe_json TEXT NOT NULL,
  created_unix INTEGER NOT NULL,
  status TEXT NOT NULL,
  directive TEXT NOT NULL,
  public_host TEXT NOT NULL,
  last_error TEXT NOT NULL,
  group_id TEXT,
  sub_deployment_name TEXT
);
-- Names, and the host names they become, are unique among commissioned deployments;
-- decommissioning frees them. Indexes rather than a check in code, so that two concurrent inserts
-- cannot both win.
CREATE UNIQUE INDEX deployments_commissioned_name ON deployments(deployment_name) WHERE directive = 'commission';
CREATE UNIQUE INDEX deployments_commissioned_host ON deployments(canonical_name) WHERE directive = 'commission';
CREATE TABLE lifecycle_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid TEXT NOT NULL,
  unix_millis INTEGER NOT NULL,
  step TEXT NOT NULL,
  status TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX lifecycle_log_by_uuid ON lifecycle_log(uuid, seq);
)sql",
};
constexpr int64_t kSchemaVersion = std::size(kMigrations);

constexpr const char* kAdmin = "admin";
// Logging in issues a new token each time (only hashes are kept, so an old one cannot be handed
// out again); a user keeps this many newest, so the table cannot grow without bound.
constexpr int64_t kMaxTokensPerUser = 100;
constexpr size_t kTokenBytes = 20;  // 40 hex digits

fs::path database_file(const fs::path& data_dir) {
  ensure_data_dir(data_dir);
  fs::path path = data_dir / "gatehouse.db";
  ensure_private_file(path);
  return path;
}

void migrate(sqlite::Database& db, const fs::path& path) {
  sqlite::Transaction transaction(db);
  int64_t version = db.pragma_integer("user_version");
  if (version > kSchemaVersion) {
    throw Error(ErrorCode::unimplemented, "the database " + path.string() + " has schema version " + std::to_string(version) +
                                              ", written by a newer gatehouse (this one knows up to " +
                                              std::to_string(kSchemaVersion) + "); run that version or a later one");
  }
  for (; version < kSchemaVersion; ++version) db.exec(kMigrations[version]);
  db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
  transaction.commit();
}

// Argon2id at libsodium's "interactive" limits (64 MiB, a fraction of a second). A login is an
// online guess that LoginThrottle already slows down per client; "moderate" (256 MiB, about a
// second) would let a handful of concurrent logins take a gigabyte and whole cores from the models
// this machine serves, for no gain against an online attacker.
std::string hash_password(const SecretString& password) {
  char hash[crypto_pwhash_STRBYTES];
  const std::string& text = password.reveal();
  if (crypto_pwhash_str(hash, text.data(), text.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw Error(ErrorCode::resource_exhausted, "not enough memory to hash a password (Argon2id needs 64 MiB)");
  }
  return hash;
}

SecretString generate_password() {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string password(24, '\0');  // 144 bits
  for (char& c : password) c = kAlphabet[randombytes_uniform(kAlphabet.size())];
  return SecretString(std::move(password));
}

// API tokens are 160 random bits, so a fast hash is right for them: nobody can guess one to
// match a leaked hash, and a slow password hash would only slow every request down. BLAKE2b-256.
std::string token_hash(const SecretString& token) {
  std::string hash(crypto_generichash_BYTES, '\0');
  const std::string& text = token.reveal();
  crypto_generichash(reinterpret_cast<unsigned char*>(hash.data()), hash.size(),
                     reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr, 0);
  return hash;
}

}  // namespace

int64_t now_unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t now_unix_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Store::Impl::Impl(const fs::path& data_dir, Vault vault) : db(database_file(data_dir)), vault(std::move(vault)) {
  init_sodium();
  // WAL: readers never wait for the writer. synchronous=NORMAL: a committed transaction survives
  // the process being killed; only a power cut can lose the last ones. secure_delete: freed pages
  // are zeroed, so deleted (sealed) values do not linger in the file.
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; "
          "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;");
  migrate(db, data_dir / "gatehouse.db");
}

Store::Store(const fs::path& data_dir, Vault vault) : impl_(std::make_unique<Impl>(data_dir, std::move(vault))) {}

Store::~Store() = default;

std::optional<SecretString> Store::ensure_admin(const std::optional<SecretString>& password) {
  {
    std::lock_guard lock(impl_->mutex);
    auto query = impl_->db.query("SELECT 1 FROM users WHERE name = ?");
    if (query.bind(1, kAdmin).step()) return std::nullopt;
  }
  if (password && password->empty()) {
    throw Error(ErrorCode::invalid_argument, "GATEHOUSE_ADMIN_PASSWORD is empty; set it to the password user admin "
                                             "should have, or unset it to have one generated");
  }
  SecretString chosen = password ? *password : generate_password();
  std::string hash = hash_password(chosen);  // slow: outside the lock
  std::lock_guard lock(impl_->mutex);
  sqlite::Transaction transaction(impl_->db);
  impl_->db.query("INSERT INTO users (name, password_hash, created_unix) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING")
      .bind(1, kAdmin)
      .bind(2, hash)
      .bind(3, now_unix_seconds())
      .run();
  bool created = impl_->db.changes() == 1;
  transaction.commit();
  if (!created) return std::nullopt;  // another caller created admin meanwhile
  return chosen;
}

bool Store::check_password(const std::string& username, const SecretString& password) const {
  std::optional<std::string> hash;
  {
    std::lock_guard lock(impl_->mutex);
    auto query = impl_->db.query("SELECT password_hash FROM users WHERE name = ?");
    if (query.bind(1, username).step()) hash = query.text(0);
  }
  // An unknown user costs the same Argon2id verification as a known one, so that the answer's
  // timing does not tell which users exist.
  if (!hash) {
    std::call_once(impl_->dummy_hash_once, [&] {
      std::string random(32, '\0');
      randombytes_buf(random.data(), random.size());
      impl_->dummy_hash = hash_password(SecretString(std::move(random)));
    });
  }
  const std::string& against = hash ? *hash : impl_->dummy_hash;
  const std::string& text = password.reveal();
  bool matches = crypto_pwhash_str_verify(against.c_str(), text.data(), text.size()) == 0;
  return matches && hash.has_value();
}

SecretString Store::issue_token(const std::string& username) {
  unsigned char raw[kTokenBytes];
  randombytes_buf(raw, sizeof raw);
  std::string hex(2 * kTokenBytes + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), raw, sizeof raw);
  sodium_memzero(raw, sizeof raw);
  hex.pop_back();  // the terminating NUL
  SecretString token(std::move(hex));

  std::lock_guard lock(impl_->mutex);
  sqlite::Transaction transaction(impl_->db);
  if (!impl_->db.query("SELECT 1 FROM users WHERE name = ?").bind(1, username).step()) {
    throw Error(ErrorCode::not_found, "no user named '" + username + "'");
  }
  impl_->db.query("INSERT INTO tokens (hash, username, created_unix) VALUES (?, ?, ?)")
      .bind_blob(1, token_hash(token))
      .bind(2, username)
      .bind(3, now_unix_seconds())
      .run();
  impl_->db
      .query("DELETE FROM tokens WHERE username = ?1 AND rowid NOT IN "
             "(SELECT rowid FROM tokens WHERE username = ?1 ORDER BY created_unix DESC, rowid DESC LIMIT ?2)")
      .bind(1, username)
      .bind(2, kMaxTokensPerUser)
      .run();
  transaction.commit();
  return token;
}

std::optional<std::string> Store::user_for_token(const SecretString& token) const {
  // Looked up by hash: the stored hashes reveal nothing about tokens, and comparing hashes leaks
  // through timing nothing an attacker could steer towards a valid token.
  std::string hash = token_hash(token);
  std::lock_guard lock(impl_->mutex);
  auto query = impl_->db.query("SELECT username FROM tokens WHERE hash = ?");
  if (!query.bind_blob(1, hash).step()) return std::nullopt;
  return query.text(0);
}

}  // namespace gatehouse::control
