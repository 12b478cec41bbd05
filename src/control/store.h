// The control plane's one embedded database: users and their API tokens, the vault's secrets
// (values sealed by the Vault, never stored in clear), deployments, deployment groups and the
// lifecycle log. SQLite in WAL mode at <data_dir>/gatehouse.db. Thread-safe: every method may be
// called from any thread; each is one transaction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/secret_string.h"
#include "control/executor.h"
#include "control/secrets_payload.h"
#include "control/vault.h"

namespace gatehouse::control {

struct SecretInfo {
  std::string name;
  std::string namespace_name;  // "default"
  std::string type;            // "opaque" or "container_registry"
  std::vector<std::string> data_keys;  // sorted, as Kubernetes lists a Secret's keys
  int64_t created_unix = 0;
};

// One result of POST /secrets/, as the API answers it.
struct SecretResult {
  std::string action;  // "create", "update", "delete"
  std::string name;
  std::string namespace_name;
  bool success = false;
  std::string message;  // "Secret 'hf-secret' created successfully", or why it failed
};

struct DeploymentRecord {
  std::string uuid;
  std::string deployment_name;
  std::string canonical_name;
  std::string mode;
  std::optional<std::string> recipe_id;
  std::string recipe_json;  // the recipe as accepted (no secret values: those stay in the vault)
  int64_t created_unix = 0;
  std::string status;     // scheduled, active, monitoring, failed, completed
  std::string directive;  // commission, decommission
  std::string public_host;
  std::string last_error;
  std::optional<std::string> group_id;
  std::optional<std::string> sub_deployment_name;
};

struct GroupRecord {
  std::string id;
  std::string name;
  int64_t created_unix = 0;
  std::string spec_json;  // the deployment_group body as posted
};

struct LogEntry {
  uint64_t seq = 0;
  int64_t unix_millis = 0;
  LifecycleEvent event;
};

class Store {
 public:
  // Opens (creating when absent) <data_dir>/gatehouse.db; the directory is created 0700.
  Store(const std::filesystem::path& data_dir, Vault vault);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Users. On first start, creates "admin" with `password` or, when none is given, a generated
  // one, and returns the password set (the generated one so the caller can print it once); nullopt
  // when admin already exists. Throws invalid_argument for an empty password.
  std::optional<SecretString> ensure_admin(const std::optional<SecretString>& password);
  bool check_password(const std::string& username, const SecretString& password) const;
  // A new random API token (40 hex digits) for the user; only its hash is stored, and a user keeps
  // its 100 newest tokens. Throws not_found for an unknown user.
  SecretString issue_token(const std::string& username);
  // The user a token belongs to, or nullopt.
  std::optional<std::string> user_for_token(const SecretString& token) const;

  // Secrets. Each operation succeeds or fails on its own (create on an existing name, update or
  // delete of a missing one fail with a message saying so); the batch is not all-or-nothing.
  std::vector<SecretResult> apply_secret_operations(const std::vector<SecretOperation>& operations,
                                                    const std::string& namespace_name = "default");
  std::vector<SecretInfo> list_secrets(const std::optional<std::string>& namespace_name) const;
  std::optional<SecretInfo> find_secret(const std::string& name, const std::string& namespace_name = "default") const;
  // Decrypted; nullopt when absent.
  std::optional<ResolvedSecret> resolve_secret(const std::string& name, const std::string& namespace_name = "default") const;

  // Deployments. insert throws Error(conflict) when a commissioned deployment has that name.
  void insert_deployment(const DeploymentRecord& record);
  std::vector<DeploymentRecord> list_deployments() const;
  std::optional<DeploymentRecord> find_deployment(const std::string& uuid) const;
  void set_status(const std::string& uuid, const std::string& status, const std::string& last_error);
  // False when the deployment already had that directive: of concurrent undeploys, one wins.
  bool set_directive(const std::string& uuid, const std::string& directive);

  void insert_group(const GroupRecord& group);
  std::vector<GroupRecord> list_groups() const;
  std::optional<GroupRecord> find_group(const std::string& id) const;

  // The lifecycle log. append returns the entry's seq.
  uint64_t append_log(const LifecycleEvent& event);
  // Entries with seq > after_seq (for one deployment, or all when uuid is empty), at most the last `tail`.
  std::vector<LogEntry> logs(const std::string& uuid, uint64_t after_seq, size_t tail) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::control
