// The Store's state, shared by the files that implement it (store.cpp: schema, users, tokens;
// store_secrets.cpp; store_deployments.cpp: deployments, groups, the lifecycle log). One SQLite
// connection, used only while `mutex` is held.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>

#include "base/sqlite.h"
#include "control/store.h"
#include "control/vault.h"

namespace gatehouse::control {

struct Store::Impl {
  Impl(const std::filesystem::path& data_dir, Vault vault);

  std::mutex mutex;
  sqlite::Database db;
  Vault vault;
  // A password hash for no user, verified against when the user is unknown (see check_password).
  std::once_flag dummy_hash_once;
  std::string dummy_hash;
};

int64_t now_unix_seconds();
int64_t now_unix_millis();

}  // namespace gatehouse::control
