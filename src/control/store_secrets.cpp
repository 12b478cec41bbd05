// The Store's secrets: one row per secret (name, namespace, type, data keys) and one sealed value
// per key, bound by the vault's associated data to its namespace, secret and key.
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "base/error.h"
#include "base/json.h"
#include "control/store.h"
#include "control/store_impl.h"

namespace gatehouse::control {
namespace {

// Each part length-prefixed, so that no two (namespace, name, key) triples give the same bytes
// whatever characters they hold.
std::string associated_data(const std::string& namespace_name, const std::string& name, const std::string& key) {
  std::string out = "gatehouse-secret-v1";
  for (const std::string* part : {&namespace_name, &name, &key}) {
    out += '|' + std::to_string(part->size()) + ':' + *part;
  }
  return out;
}

// data_keys in the order the map gives them, sorted, which is also the order Kubernetes lists a
// Secret's keys in.
std::string data_keys_json(const SecretOperation& operation) {
  boost::json::array keys;
  for (const auto& [key, value] : operation.data) keys.emplace_back(key);
  return boost::json::serialize(keys);
}

std::vector<std::string> parse_data_keys(const std::string& text) {
  const json::JsonPath path("secrets.data_keys");
  const boost::json::value parsed = json::parse(text, "secrets.data_keys");
  std::vector<std::string> keys;
  for (const auto& key : json::as_array(parsed, path)) {
    keys.emplace_back(json::as_string(key, path));
  }
  return keys;
}

std::string_view past_tense(SecretAction action) {
  switch (action) {
    case SecretAction::create: return "created";
    case SecretAction::update: return "updated";
    case SecretAction::remove: return "deleted";
  }
  return "changed";
}

std::optional<int64_t> secret_id(sqlite::Database& db, const std::string& name, const std::string& namespace_name) {
  auto query = db.query("SELECT id FROM secrets WHERE namespace = ? AND name = ?");
  if (!query.bind(1, namespace_name).bind(2, name).step()) return std::nullopt;
  return query.integer(0);
}

void insert_values(sqlite::Database& db, const Vault& vault, int64_t id, const SecretOperation& operation,
                   const std::string& namespace_name) {
  for (const auto& [key, value] : operation.data) {
    db.query("INSERT INTO secret_values (secret_id, key, sealed) VALUES (?, ?, ?)")
        .bind(1, id)
        .bind(2, key)
        .bind_blob(3, vault.seal(value, associated_data(namespace_name, operation.name, key)))
        .run();
  }
}

SecretInfo read_info(const sqlite::Query& query) {
  return SecretInfo{.name = query.text(1),
                    .namespace_name = query.text(0),
                    .type = query.text(2),
                    .data_keys = parse_data_keys(query.text(3)),
                    .created_unix = query.integer(4)};
}

}  // namespace

std::vector<SecretResult> Store::apply_secret_operations(const std::vector<SecretOperation>& operations,
                                                         const std::string& namespace_name) {
  std::vector<SecretResult> results;
  results.reserve(operations.size());
  for (const SecretOperation& operation : operations) {
    SecretResult& result = results.emplace_back(SecretResult{.action = std::string(secret_action_name(operation.action)),
                                                             .name = operation.name,
                                                             .namespace_name = namespace_name,
                                                             .success = false,
                                                             .message = {}});
    const std::string secret = "Secret '" + operation.name + "'";
    const std::string where = " in namespace '" + namespace_name + "'";

    std::lock_guard lock(impl_->mutex);
    sqlite::Transaction transaction(impl_->db);
    std::optional<int64_t> id = secret_id(impl_->db, operation.name, namespace_name);
    if (operation.action == SecretAction::create && id) {
      result.message = secret + " already exists" + where + "; use action \"update\" to change it";
      continue;
    }
    if (operation.action != SecretAction::create && !id) {
      result.message = secret + " not found" + where;
      continue;
    }
    switch (operation.action) {
      case SecretAction::create:
        impl_->db.query("INSERT INTO secrets (namespace, name, type, data_keys, created_unix) VALUES (?, ?, ?, ?, ?)")
            .bind(1, namespace_name)
            .bind(2, operation.name)
            .bind(3, operation.type)
            .bind(4, data_keys_json(operation))
            .bind(5, now_unix_seconds())
            .run();
        insert_values(impl_->db, impl_->vault, impl_->db.last_insert_rowid(), operation, namespace_name);
        break;
      case SecretAction::update:
        // The data is replaced (keys may change); the creation time stays.
        impl_->db.query("UPDATE secrets SET type = ?, data_keys = ? WHERE id = ?")
            .bind(1, operation.type)
            .bind(2, data_keys_json(operation))
            .bind(3, *id)
            .run();
        impl_->db.query("DELETE FROM secret_values WHERE secret_id = ?").bind(1, *id).run();
        insert_values(impl_->db, impl_->vault, *id, operation, namespace_name);
        break;
      case SecretAction::remove:
        impl_->db.query("DELETE FROM secrets WHERE id = ?").bind(1, *id).run();  // values go by cascade
        break;
    }
    transaction.commit();
    result.success = true;
    result.message = secret + " " + std::string(past_tense(operation.action)) + " successfully";
  }
  return results;
}

std::vector<SecretInfo> Store::list_secrets(const std::optional<std::string>& namespace_name) const {
  std::lock_guard lock(impl_->mutex);
  auto query = impl_->db.query(
      "SELECT namespace, name, type, data_keys, created_unix FROM secrets WHERE ?1 IS NULL OR namespace = ?1 "
      "ORDER BY namespace, name");
  query.bind_optional(1, namespace_name);
  std::vector<SecretInfo> secrets;
  while (query.step()) secrets.push_back(read_info(query));
  return secrets;
}

std::optional<SecretInfo> Store::find_secret(const std::string& name, const std::string& namespace_name) const {
  std::lock_guard lock(impl_->mutex);
  auto query =
      impl_->db.query("SELECT namespace, name, type, data_keys, created_unix FROM secrets WHERE namespace = ? AND name = ?");
  if (!query.bind(1, namespace_name).bind(2, name).step()) return std::nullopt;
  return read_info(query);
}

std::optional<ResolvedSecret> Store::resolve_secret(const std::string& name, const std::string& namespace_name) const {
  std::lock_guard lock(impl_->mutex);
  sqlite::Transaction transaction(impl_->db);
  auto secret = impl_->db.query("SELECT id, type FROM secrets WHERE namespace = ? AND name = ?");
  if (!secret.bind(1, namespace_name).bind(2, name).step()) return std::nullopt;
  ResolvedSecret resolved{.name = name, .type = secret.text(1), .data = {}};
  auto values = impl_->db.query("SELECT key, sealed FROM secret_values WHERE secret_id = ?");
  values.bind(1, secret.integer(0));
  while (values.step()) {
    std::string key = values.text(0);
    std::optional<SecretString> value;
    try {
      value = impl_->vault.open(values.blob(1), associated_data(namespace_name, name, key));
    } catch (const Error& error) {
      throw Error(error.code(), "secret '" + name + "' key '" + key + "' in namespace '" + namespace_name + "': " + error.what());
    }
    resolved.data.emplace(std::move(key), std::move(*value));
  }
  transaction.commit();
  return resolved;
}

}  // namespace gatehouse::control
