#include "control/secrets_payload.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>

#include "base/error.h"
#include "base/json.h"
#include "control/recipe_fields.h"

namespace gatehouse::control {

namespace {

constexpr std::array<std::string_view, 4> kRegistryKeys = {"registry_server", "username", "password", "email"};

// Messages name keys (which GET /secrets/ lists anyway) but never quote a value: whatever sits in
// a payload may be a secret put in the wrong place.
[[noreturn]] void reject(const std::string& path, const std::string& message) {
  throw InvalidParameter(path, path + ": " + message);
}

std::string_view string_at(const boost::json::object& item, std::string_view key, const std::string& path) {
  const boost::json::value* value = json::find(item, key);
  if (!value) reject(path + "." + std::string(key), "is missing");
  if (!value->is_string()) {
    reject(path + "." + std::string(key), "expected a string, got " + std::string(json::kind_name(*value)));
  }
  return value->get_string();
}

SecretAction read_action(const boost::json::object& item, const std::string& path) {
  const std::string_view action = string_at(item, "action", path);
  if (action == "create") return SecretAction::create;
  if (action == "update") return SecretAction::update;
  if (action == "delete") return SecretAction::remove;
  reject(path + ".action", "must be create, update or delete");
}

// A Kubernetes secret key: letters, digits, '-', '_' and '.', at most 253 characters.
bool is_secret_key(std::string_view key) {
  return !key.empty() && key.size() <= 253 && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

void read_data(const boost::json::object& item, SecretOperation& operation, const std::string& path) {
  const std::string data_path = path + ".data";
  const boost::json::value* value = json::find(item, "data");
  if (!value) reject(data_path, "is missing; create and update carry the secret's data");
  if (!value->is_object()) reject(data_path, "expected an object, got " + std::string(json::kind_name(*value)));
  const bool registry = operation.type == "container_registry";
  for (const auto& entry : value->get_object()) {
    const std::string key_path = data_path + "." + std::string(entry.key());
    if (registry && std::find(kRegistryKeys.begin(), kRegistryKeys.end(), entry.key()) == kRegistryKeys.end()) {
      reject(key_path, "unknown key; container_registry data holds exactly registry_server, username, password and email");
    }
    if (!is_secret_key(entry.key())) {
      reject(key_path, "a data key is letters, digits, '-', '_' and '.', at most 253 characters");
    }
    if (!entry.value().is_string()) {
      reject(key_path, "expected a string, got " + std::string(json::kind_name(entry.value())));
    }
    operation.data.emplace(std::string(entry.key()), SecretString(std::string(entry.value().get_string())));
  }
  if (registry) {
    for (std::string_view key : kRegistryKeys) {
      if (!operation.data.count(std::string(key))) reject(data_path + "." + std::string(key), "is missing");
    }
  }
}

SecretOperation read_operation(const boost::json::value& value, const std::string& path) {
  if (!value.is_object()) reject(path, "expected an object, got " + std::string(json::kind_name(value)));
  const boost::json::object& item = value.get_object();
  for (const auto& entry : item) {
    if (entry.key() != "name" && entry.key() != "action" && entry.key() != "type" && entry.key() != "data") {
      reject(path + "." + std::string(entry.key()), "unknown key; an operation takes name, action, type and data");
    }
  }
  SecretOperation operation;
  operation.name = std::string(string_at(item, "name", path));
  if (!is_dns_subdomain(operation.name)) {
    reject(path + ".name", "must be a DNS subdomain name: lower-case letters, digits, '-' and '.', starting and "
                           "ending with a letter or digit, at most 253 characters");
  }
  operation.action = read_action(item, path);
  // delete takes no type, but the upstream delete example sends one: a valid one is tolerated.
  if (operation.action != SecretAction::remove || json::find(item, "type")) {
    const std::string_view type = string_at(item, "type", path);
    if (type != "opaque" && type != "container_registry") reject(path + ".type", "must be opaque or container_registry");
    if (operation.action != SecretAction::remove) operation.type = std::string(type);
  }
  if (operation.action == SecretAction::remove) {
    if (json::find(item, "data")) reject(path + ".data", "delete takes no data");
  } else {
    read_data(item, operation, path);
  }
  return operation;
}

}  // namespace

std::string_view secret_action_name(SecretAction action) {
  switch (action) {
    case SecretAction::create: return "create";
    case SecretAction::update: return "update";
    case SecretAction::remove: return "delete";
  }
  return "unknown";
}

std::vector<SecretOperation> parse_secrets_payload(const boost::json::value& body) {
  if (!body.is_object()) {
    throw Error(ErrorCode::invalid_argument, "the body is a JSON object holding secrets_payload, got " +
                                                 std::string(json::kind_name(body)));
  }
  for (const auto& entry : body.get_object()) {
    if (entry.key() != "secrets_payload") {
      throw InvalidParameter(std::string(entry.key()),
                             std::string(entry.key()) + ": unknown field; the body holds only secrets_payload");
    }
  }
  const boost::json::value* payload = json::find(body.get_object(), "secrets_payload");
  if (!payload) reject("secrets_payload", "is missing: send {\"secrets_payload\": [operations]}");
  if (!payload->is_array()) reject("secrets_payload", "expected an array, got " + std::string(json::kind_name(*payload)));
  if (payload->get_array().empty()) reject("secrets_payload", "is empty; send at least one operation");
  std::vector<SecretOperation> operations;
  for (size_t i = 0; i < payload->get_array().size(); ++i) {
    operations.push_back(read_operation(payload->get_array()[i], "secrets_payload[" + std::to_string(i) + "]"));
  }
  return operations;
}

}  // namespace gatehouse::control
