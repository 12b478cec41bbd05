// The body of POST /secrets/ ({"secrets_payload": [...]}) read and checked as secrets_schema.json
// says: name and action required; create and update need type and data (opaque: string values;
// container_registry: exactly registry_server, username, password, email); delete takes neither,
// except that "type" is tolerated on delete because the upstream example sends it. Values are
// SecretStrings from the moment they are read.
#pragma once

#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/secret_string.h"

namespace gatehouse::control {

enum class SecretAction { create, update, remove };

struct SecretOperation {
  std::string name;  // a DNS subdomain name: [a-z0-9.-], at most 253 characters
  SecretAction action = SecretAction::create;
  std::string type;  // "opaque" or "container_registry"; empty for delete
  std::map<std::string, SecretString> data;
};

std::string_view secret_action_name(SecretAction action);  // "create", "update", "delete"

// Throws InvalidParameter naming the field ("secrets_payload[2].data.email") and what was wrong.
// An empty list is an error too (nothing to do is a client mistake).
std::vector<SecretOperation> parse_secrets_payload(const boost::json::value& body);

}  // namespace gatehouse::control
