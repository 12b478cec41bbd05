#include "control/api/representations.h"

#include <ctime>

namespace gatehouse::control {

namespace bj = boost::json;

std::string blueprints_time(int64_t unix_seconds) {
  const std::time_t time = std::time_t(unix_seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %I:%M %p UTC", &parts);
  return text;
}

bj::object deployment_item(const DeploymentRecord& record) {
  bj::object item{
      {"mode", record.mode},
      {"recipe_id", record.recipe_id ? bj::value(*record.recipe_id) : bj::value(nullptr)},
      {"creation_date", blueprints_time(record.created_unix)},
      {"deployment_uuid", record.uuid},
      {"deployment_name", record.deployment_name},
      {"deployment_status", record.status},
      {"deployment_directive", record.directive},
  };
  if (record.sub_deployment_name) item["sub_deployment_name"] = *record.sub_deployment_name;
  return item;
}

bj::object secret_item(const SecretInfo& secret) {
  bj::array keys;
  if (secret.type == "container_registry") {
    keys.emplace_back(".dockerconfigjson");
  } else {
    for (const std::string& key : secret.data_keys) keys.emplace_back(key);
  }
  return bj::object{
      {"name", secret.name},
      {"namespace", secret.namespace_name},
      {"type", secret.type == "container_registry" ? "kubernetes.io/dockerconfigjson" : "Opaque"},
      {"data_keys", std::move(keys)},
      {"creation_timestamp", blueprints_time(secret.created_unix)},
  };
}

bj::object log_item(const LogEntry& entry) {
  return bj::object{
      {"deployment_uuid", entry.event.uuid},
      {"timestamp", blueprints_time(entry.unix_millis / 1000)},
      {"seq", entry.seq},
      {"step", entry.event.step},
      {"status", entry.event.status},
      {"message", entry.event.message},
  };
}

bj::object replica_item(const ReplicaStatus& replica) {
  return bj::object{{"id", replica.id}, {"state", replica.state}, {"restarts", replica.restarts}, {"address", replica.address}};
}

}  // namespace gatehouse::control
