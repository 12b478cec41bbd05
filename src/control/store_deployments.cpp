// The Store's deployments, deployment groups and lifecycle log.
#include <algorithm>
#include <limits>

#include "base/error.h"
#include "control/store.h"
#include "control/store_impl.h"

namespace gatehouse::control {
namespace {

constexpr const char* kDeploymentColumns =
    "uuid, deployment_name, canonical_name, mode, recipe_id, recipe_json, created_unix, status, directive, public_host, "
    "last_error, group_id, sub_deployment_name";

DeploymentRecord read_deployment(const sqlite::Query& query) {
  return DeploymentRecord{.uuid = query.text(0),
                          .deployment_name = query.text(1),
                          .canonical_name = query.text(2),
                          .mode = query.text(3),
                          .recipe_id = query.optional_text(4),
                          .recipe_json = query.text(5),
                          .created_unix = query.integer(6),
                          .status = query.text(7),
                          .directive = query.text(8),
                          .public_host = query.text(9),
                          .last_error = query.text(10),
                          .group_id = query.optional_text(11),
                          .sub_deployment_name = query.optional_text(12)};
}

GroupRecord read_group(const sqlite::Query& query) {
  return GroupRecord{
      .id = query.text(0), .name = query.text(1), .created_unix = query.integer(2), .spec_json = query.text(3)};
}

// The commissioned deployment holding `name`, or the host name `canonical`, if any: its name and uuid.
std::optional<std::pair<std::string, std::string>> commissioned_holder(sqlite::Database& db, const std::string& name,
                                                                       const std::string& canonical) {
  auto query = db.query(
      "SELECT deployment_name, uuid FROM deployments WHERE (deployment_name = ? OR canonical_name = ?) AND "
      "directive = 'commission'");
  if (!query.bind(1, name).bind(2, canonical).step()) return std::nullopt;
  return std::pair(query.text(0), query.text(1));
}

[[noreturn]] void name_taken(const std::string& name, const std::string& canonical,
                             const std::pair<std::string, std::string>& holder) {
  const auto& [held_name, uuid] = holder;
  if (held_name == name) {
    throw Error(ErrorCode::conflict, "a deployment named '" + name + "' already exists (uuid " + uuid +
                                         "); undeploy it first or choose another deployment_name");
  }
  throw Error(ErrorCode::conflict, "deployment '" + held_name + "' (uuid " + uuid + ") already has the host name '" +
                                       canonical + "' that '" + name +
                                       "' becomes; undeploy it first or choose another deployment_name");
}

[[noreturn]] void no_deployment(const std::string& uuid) {
  throw Error(ErrorCode::not_found, "no deployment with uuid '" + uuid + "'");
}

int64_t clamp_to_int64(uint64_t value) {
  return static_cast<int64_t>(std::min<uint64_t>(value, std::numeric_limits<int64_t>::max()));
}

}  // namespace

void Store::insert_deployment(const DeploymentRecord& record) {
  static const std::string kInsert = std::string("INSERT INTO deployments (") + kDeploymentColumns +
                                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  std::lock_guard lock(impl_->mutex);
  sqlite::Transaction transaction(impl_->db);
  // The partial unique index is what guarantees one commissioned holder of a name; this look-up
  // only finds which deployment holds it, for the message.
  if (record.directive == "commission") {
    if (auto holder = commissioned_holder(impl_->db, record.deployment_name, record.canonical_name)) {
      name_taken(record.deployment_name, record.canonical_name, *holder);
    }
  }
  if (impl_->db.query("SELECT 1 FROM deployments WHERE uuid = ?").bind(1, record.uuid).step()) {
    throw Error(ErrorCode::conflict, "a deployment with uuid '" + record.uuid + "' already exists");
  }
  impl_->db.query(kInsert.c_str())
      .bind(1, record.uuid)
      .bind(2, record.deployment_name)
      .bind(3, record.canonical_name)
      .bind(4, record.mode)
      .bind_optional(5, record.recipe_id)
      .bind(6, record.recipe_json)
      .bind(7, record.created_unix)
      .bind(8, record.status)
      .bind(9, record.directive)
      .bind(10, record.public_host)
      .bind(11, record.last_error)
      .bind_optional(12, record.group_id)
      .bind_optional(13, record.sub_deployment_name)
      .run();
  transaction.commit();
}

std::vector<DeploymentRecord> Store::list_deployments() const {
  static const std::string kSelect =
      std::string("SELECT ") + kDeploymentColumns + " FROM deployments ORDER BY created_unix, rowid";
  std::lock_guard lock(impl_->mutex);
  auto query = impl_->db.query(kSelect.c_str());
  std::vector<DeploymentRecord> records;
  while (query.step()) records.push_back(read_deployment(query));
  return records;
}

std::optional<DeploymentRecord> Store::find_deployment(const std::string& uuid) const {
  static const std::string kSelect = std::string("SELECT ") + kDeploymentColumns + " FROM deployments WHERE uuid = ?";
  std::lock_guard lock(impl_->mutex);
  auto query = impl_->db.query(kSelect.c_str());
  if (!query.bind(1, uuid).step()) return std::nullopt;
  return read_deployment(query);
}

void Store::set_status(const std::string& uuid, const std::string& status, const std::string& last_error) {
  std::lock_guard lock(impl_->mutex);
  sqlite::Transaction transaction(impl_->db);
  impl_->db.query("UPDATE deployments SET status = ?, last_error = ? WHERE uuid = ?")
      .bind(1, status)
      .bind(2, last_error)
      .bind(3, uuid)
      .run();
  if (impl_->db.changes() == 0) no_deployment(uuid);
  transaction.commit();
}

bool Store::set_directive(const std::string& uuid, const std::string& directive) {
  std::lock_guard lock(impl_->mutex);
  sqlite::Transaction transaction(impl_->db);
  auto current = impl_->db.query("SELECT deployment_name, directive, canonical_name FROM deployments WHERE uuid = ?");
  if (!current.bind(1, uuid).step()) no_deployment(uuid);
  const std::string name = current.text(0);
  if (current.text(1) == directive) return false;
  if (directive == "commission") {
    const std::string canonical = current.text(2);
    if (auto holder = commissioned_holder(impl_->db, name, canonical)) name_taken(name, canonical, *holder);
  }
  impl_->db.query("UPDATE deployments SET directive = ? WHERE uuid = ?").bind(1, directive).bind(2, uuid).run();
  transaction.commit();
  return true;
}

void Store::insert_group(const GroupRecord& group) {
  std::lock_guard lock(impl_->mutex);
  sqlite::Transaction transaction(impl_->db);
  if (impl_->db.query("SELECT 1 FROM deployment_groups WHERE id = ?").bind(1, group.id).step()) {
    throw Error(ErrorCode::conflict, "a deployment group with id '" + group.id + "' already exists");
  }
  impl_->db.query("INSERT INTO deployment_groups (id, name, created_unix, spec_json) VALUES (?, ?, ?, ?)")
      .bind(1, group.id)
      .bind(2, group.name)
      .bind(3, group.created_unix)
      .bind(4, group.spec_json)
      .run();
  transaction.commit();
}

std::vector<GroupRecord> Store::list_groups() const {
  std::lock_guard lock(impl_->mutex);
  auto query =
      impl_->db.query("SELECT id, name, created_unix, spec_json FROM deployment_groups ORDER BY created_unix, rowid");
  std::vector<GroupRecord> groups;
  while (query.step()) groups.push_back(read_group(query));
  return groups;
}

std::optional<GroupRecord> Store::find_group(const std::string& id) const {
  std::lock_guard lock(impl_->mutex);
  auto query = impl_->db.query("SELECT id, name, created_unix, spec_json FROM deployment_groups WHERE id = ?");
  if (!query.bind(1, id).step()) return std::nullopt;
  return read_group(query);
}

uint64_t Store::append_log(const LifecycleEvent& event) {
  std::lock_guard lock(impl_->mutex);
  sqlite::Transaction transaction(impl_->db);
  impl_->db.query("INSERT INTO lifecycle_log (uuid, unix_millis, step, status, message) VALUES (?, ?, ?, ?, ?)")
      .bind(1, event.uuid)
      .bind(2, now_unix_millis())
      .bind(3, event.step)
      .bind(4, event.status)
      .bind(5, event.message)
      .run();
  auto seq = static_cast<uint64_t>(impl_->db.last_insert_rowid());
  transaction.commit();
  return seq;
}

std::vector<LogEntry> Store::logs(const std::string& uuid, uint64_t after_seq, size_t tail) const {
  std::lock_guard lock(impl_->mutex);
  // The newest `tail` entries after after_seq, then put back in order. Two statements, so that the
  // one for a deployment walks the (uuid, seq) index.
  auto query = uuid.empty() ? impl_->db.query(
                                  "SELECT seq, unix_millis, uuid, step, status, message FROM ("
                                  "  SELECT * FROM lifecycle_log WHERE seq > ?1 ORDER BY seq DESC LIMIT ?3"
                                  ") ORDER BY seq")
                            : impl_->db.query(
                                  "SELECT seq, unix_millis, uuid, step, status, message FROM ("
                                  "  SELECT * FROM lifecycle_log WHERE uuid = ?2 AND seq > ?1 ORDER BY seq DESC LIMIT ?3"
                                  ") ORDER BY seq");
  query.bind(1, clamp_to_int64(after_seq)).bind(3, clamp_to_int64(tail));
  if (!uuid.empty()) query.bind(2, uuid);
  std::vector<LogEntry> entries;
  while (query.step()) {
    entries.push_back(LogEntry{
        .seq = static_cast<uint64_t>(query.integer(0)),
        .unix_millis = query.integer(1),
        .event = LifecycleEvent{.uuid = query.text(2), .step = query.text(3), .status = query.text(4), .message = query.text(5)}});
  }
  return entries;
}

}  // namespace gatehouse::control
