// The Store test fixture: a Store over a fresh data directory, and builders for its inputs.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/file.h"
#include "control/store.h"
#include "control_testing.h"

namespace gatehouse::control::testing {

inline const SecretString kKey(std::string(32, '\x17'));

inline SecretOperation operation(SecretAction action, const std::string& name, std::map<std::string, std::string> data = {},
                                 const std::string& type = "opaque") {
  SecretOperation op{.name = name, .action = action, .type = action == SecretAction::remove ? "" : type, .data = {}};
  for (auto& [key, value] : data) op.data.emplace(key, SecretString(value));
  return op;
}

inline std::map<std::string, std::string> revealed(const ResolvedSecret& secret) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : secret.data) out.emplace(key, value.reveal());
  return out;
}

inline DeploymentRecord deployment(const std::string& uuid, const std::string& name) {
  return DeploymentRecord{.uuid = uuid,
                          .deployment_name = name,
                          .canonical_name = name,
                          .mode = "service",
                          .recipe_id = std::nullopt,
                          .recipe_json = R"({"recipe_mode":"service"})",
                          .created_unix = 1700000000,
                          .status = "scheduled",
                          .directive = "commission",
                          .public_host = name + ".127-0-0-1.nip.io",
                          .last_error = "",
                          .group_id = std::nullopt,
                          .sub_deployment_name = std::nullopt};
}

class StoreTest : public ::testing::Test {
 protected:
  std::filesystem::path data_dir() const { return dir_.path() / "data"; }
  void reopen() {
    store_.reset();
    store_ = std::make_unique<Store>(data_dir(), Vault::with_key(kKey));
  }
  // The database's files as they are on disk now, concatenated.
  std::string database_bytes() const {
    std::string bytes;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::path path = data_dir() / (std::string("gatehouse.db") + suffix);
      if (std::filesystem::exists(path)) bytes += files::read_file(path);
    }
    return bytes;
  }

  TempDir dir_{"store-test"};
  std::unique_ptr<Store> store_ = std::make_unique<Store>(data_dir(), Vault::with_key(kKey));
};

}  // namespace gatehouse::control::testing
