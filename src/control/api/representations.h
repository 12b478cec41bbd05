// How the Blueprints API writes its objects: deployments as GET /deployment/ lists them, secrets
// without their values, groups, log entries, and Blueprints' time format. Pure functions.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>

#include "control/executor.h"
#include "control/store.h"

namespace gatehouse::control {

// "2025-07-15 11:39 AM UTC" (strftime "%Y-%m-%d %I:%M %p UTC").
std::string blueprints_time(int64_t unix_seconds);

// mode, recipe_id, creation_date, deployment_uuid, deployment_name, deployment_status,
// deployment_directive (and sub_deployment_name for a group member).
boost::json::object deployment_item(const DeploymentRecord& record);

// name, namespace, type ("Opaque" or "kubernetes.io/dockerconfigjson"), data_keys, creation_timestamp.
boost::json::object secret_item(const SecretInfo& secret);

boost::json::object log_item(const LogEntry& entry);

boost::json::object replica_item(const ReplicaStatus& replica);

}  // namespace gatehouse::control
