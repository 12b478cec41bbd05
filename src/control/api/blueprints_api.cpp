#include "control/api/blueprints_api.h"

#include <chrono>
#include <thread>

#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "base/version.h"
#include "control/api/representations.h"
#include "control/secrets_payload.h"
#include "http/auth.h"
#include "http/error_status.h"
#include "http/form.h"

namespace gatehouse::control {
namespace {

namespace bj = boost::json;

http::Response json_response(int status, const bj::value& value) {
  return http::Response::json(status, json::serialize(value));
}

// Django REST Framework's error shapes.
http::Response detail(int status, const std::string& message) {
  return json_response(status, bj::object{{"detail", message}});
}

http::Response field_error(const std::string& field, const std::string& message) {
  return json_response(400, bj::object{{field.empty() ? "non_field_errors" : field, bj::array{bj::value(message)}}});
}

http::Response unauthenticated(const std::string& message) {
  http::Response response = detail(401, message);
  response.set_header("WWW-Authenticate", "Token");
  return response;
}

size_t tail_parameter(const http::Request& request, size_t fallback) {
  const std::string text = http::query_value(request.query, "tail");
  if (text.empty()) return fallback;
  size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || value > 1'000'000) throw InvalidParameter("tail", "tail must be a whole number of lines up to 1000000");
    value = value * 10 + size_t(c - '0');
  }
  return value;
}

// The JSON object a POST carries; DRF's messages for the wrong kinds of bodies.
bj::value json_body(const http::Request& request) {
  if (request.body.empty()) throw Error(ErrorCode::invalid_argument, "JSON parse error - the request body is empty; send a JSON object");
  try {
    return json::parse(request.body, "request body");
  } catch (const Error& error) {
    throw Error(ErrorCode::invalid_argument, std::string("JSON parse error - ") + error.what());
  }
}

const bj::object& require_object(const bj::value& body) {
  if (!body.is_object()) {
    throw InvalidParameter("", "Invalid data. Expected a dictionary, but got " + std::string(json::kind_name(body)) + ".");
  }
  return body.as_object();
}

}  // namespace

BlueprintsApi::BlueprintsApi(Store& store, Controller& controller, ApiOptions options)
    : store_(store), controller_(controller), options_(std::move(options)) {
  auto bind = [this](auto method) {
    return [this, method](const http::Request& request, const Params& params) { return (this->*method)(request, params); };
  };
  router_.add("GET", "/", bind(&BlueprintsApi::api_root));
  router_.add("GET", "/secrets/", bind(&BlueprintsApi::list_secrets));
  router_.add("POST", "/secrets/", bind(&BlueprintsApi::post_secrets));
  router_.add("GET", "/secrets/{name}/", bind(&BlueprintsApi::get_secret));
  router_.add("GET", "/deployment/", bind(&BlueprintsApi::list_deployments));
  router_.add("POST", "/deployment/", bind(&BlueprintsApi::post_deployment));
  router_.add("GET", "/deployment/{uuid}/", bind(&BlueprintsApi::get_deployment));
  router_.add("POST", "/undeploy/", bind(&BlueprintsApi::undeploy));
  router_.add("POST", "/undeploy/{uuid}/", bind(&BlueprintsApi::undeploy));
  router_.add("GET", "/deployment_logs/", bind(&BlueprintsApi::logs));
  router_.add("GET", "/deployment_logs/{uuid}/", bind(&BlueprintsApi::logs));
  router_.add("GET", "/deployment_digests/", bind(&BlueprintsApi::digests));
  router_.add("GET", "/deployment_digests/{uuid}/", bind(&BlueprintsApi::digests));
  router_.add("GET", "/workspace/", bind(&BlueprintsApi::workspace));
  router_.add("GET", "/workspaces/", bind(&BlueprintsApi::workspace));
  router_.add("GET", "/deployment_groups/", bind(&BlueprintsApi::groups));
  router_.add("GET", "/deployment_groups/{id}/", bind(&BlueprintsApi::groups));
  router_.add("GET", "/oci_shapes/", bind(&BlueprintsApi::oci_shapes));
  router_.add("GET", "/oci_gpu_capacity/", bind(&BlueprintsApi::oci_shapes));
}

BlueprintsApi::~BlueprintsApi() {
  stopping_ = true;
  std::unique_lock lock(followers_mutex_);
  followers_done_.wait(lock, [this] { return followers_ == 0; });
}

http::Response BlueprintsApi::handle(const http::Request& request) {
  try {
    if (request.body.size() > options_.max_body_bytes) {
      return detail(413, "Request body of " + std::to_string(request.body.size()) + " bytes is larger than the " +
                             std::to_string(options_.max_body_bytes) + " bytes this API accepts.");
    }
    return dispatch(request);
  } catch (const InvalidParameter& error) {
    return field_error(error.parameter(), error.what());
  } catch (const Error& error) {
    const int status = http::status_for(error.code());
    if (status >= 500) {
      GH_LOG(error) << request.method << " " << request.path << ": " << error.what();
    }
    return detail(status, error.what());
  }
}

http::Response BlueprintsApi::dispatch(const http::Request& request) {
  const bool is_login = request.path == "/login" || request.path == "/login/";
  if (is_login) {
    if (request.method != "POST") return detail(405, "Method \"" + request.method + "\" not allowed.");
    return login(request);
  }
  std::optional<std::string_view> token = http::authorization_credentials(request, {"Token", "Bearer"});
  if (!token) return unauthenticated("Authentication credentials were not provided.");
  if (!store_.user_for_token(SecretString(std::string(*token)))) return unauthenticated("Invalid token.");
  http::RouteMatch match = router_.find(request.method, request.path);
  switch (match.kind) {
    case http::RouteMatch::Kind::found:
      return (*match.handler)(request, match.params);
    case http::RouteMatch::Kind::method_not_allowed: {
      http::Response response = detail(405, "Method \"" + request.method + "\" not allowed.");
      response.set_header("Allow", match.allow_header());
      return response;
    }
    case http::RouteMatch::Kind::no_such_path:
      break;
  }
  return detail(404, "Not found.");
}

http::Response BlueprintsApi::login(const http::Request& request) {
  const std::string& client = request.peer;
  if (const std::chrono::seconds wait = throttle_.retry_after(client); wait.count() > 0) {
    http::Response response = detail(429, "Request was throttled. Expected available in " +
                                              std::to_string(wait.count()) + " seconds.");
    response.set_header("Retry-After", std::to_string(wait.count()));
    return response;
  }
  http::FormFields fields;
  const std::string* type = request.header("content-type");
  if (type && type->rfind("application/json", 0) == 0) {
    const bj::value body = json_body(request);
    for (const auto& [key, value] : require_object(body)) {
      if (value.is_string()) fields.emplace_back(std::string(key), std::string(value.as_string()));
    }
  } else {
    fields = http::parse_form_body(request);
  }
  const std::string* username = http::form_value(fields, "username");
  const std::string* password = http::form_value(fields, "password");
  bj::object missing;
  if (!username || username->empty()) missing["username"] = bj::array{"This field is required."};
  if (!password || password->empty()) missing["password"] = bj::array{"This field is required."};
  if (!missing.empty()) return json_response(400, missing);
  // Counted as failed before the (slow) check, so that guesses sent side by side are throttled
  // too; a success clears it.
  throttle_.record_failure(client);
  auto answer = std::make_shared<http::ResponseStream>();
  const bool queued = password_checks_.try_submit([this, answer, client, name = *username, secret = SecretString(*password)] {
    answer->finish(check_login(client, name, secret));
  });
  if (!queued) {
    return detail(429, "Too many logins are being checked at once. Expected available in 1 second.").set_header("Retry-After", "1");
  }
  http::Response response;
  response.stream = std::move(answer);
  return response;
}

http::Response BlueprintsApi::check_login(const std::string& client, const std::string& username, const SecretString& password) {
  try {
    if (!store_.check_password(username, password)) return field_error("", "Unable to log in with provided credentials.");
    throttle_.record_success(client);
    SecretString issued = store_.issue_token(username);
    // Tokens are stored hashed, so every login hands out a new one (DRF's is_new: true).
    return json_response(200, bj::object{{"token", issued.reveal()}, {"is_new", true}});
  } catch (const Error& error) {
    GH_LOG(error) << "POST /login/: " << error.what();
    return detail(http::status_for(error.code()), error.what());
  }
}

http::Response BlueprintsApi::api_root(const http::Request&, const Params&) {
  bj::object links;
  for (const char* name : {"login", "secrets", "deployment", "undeploy", "deployment_logs", "deployment_digests",
                           "workspace", "deployment_groups"}) {
    links[name] = options_.public_url + "/" + name + "/";
  }
  if (!options_.hub_url.empty()) links["hub"] = options_.hub_url;
  return json_response(200, links);
}

http::Response BlueprintsApi::list_secrets(const http::Request& request, const Params&) {
  std::optional<std::string> namespace_name;
  if (std::string value = http::query_value(request.query, "namespace"); !value.empty()) namespace_name = value;
  bj::array items;
  for (const SecretInfo& secret : store_.list_secrets(namespace_name)) items.push_back(secret_item(secret));
  return json_response(200, items);
}

http::Response BlueprintsApi::get_secret(const http::Request& request, const Params& params) {
  std::string namespace_name = http::query_value(request.query, "namespace");
  if (namespace_name.empty()) namespace_name = "default";
  const std::string& name = params.at("name");
  std::optional<SecretInfo> secret = store_.find_secret(name, namespace_name);
  if (!secret) return detail(404, "No secret named '" + name + "' in namespace '" + namespace_name + "'.");
  return json_response(200, secret_item(*secret));
}

http::Response BlueprintsApi::post_secrets(const http::Request& request, const Params&) {
  bj::value body = json_body(request);
  require_object(body);
  std::vector<SecretOperation> operations = parse_secrets_payload(body);
  std::vector<SecretResult> results = store_.apply_secret_operations(operations);
  bool all_succeeded = true;
  bj::array items;
  for (const SecretResult& result : results) {
    all_succeeded = all_succeeded && result.success;
    items.push_back(bj::object{{"action", result.action},
                               {"name", result.name},
                               {"namespace", result.namespace_name},
                               {"status", result.success ? "success" : "error"},
                               {"message", result.message}});
  }
  return json_response(all_succeeded ? 200 : 400,
                       bj::object{{"operations_processed", results.size()}, {"results", std::move(items)}});
}

http::Response BlueprintsApi::list_deployments(const http::Request&, const Params&) {
  bj::array items;
  for (const DeploymentRecord& record : store_.list_deployments()) items.push_back(deployment_item(record));
  return json_response(200, items);
}

DeploymentRecord BlueprintsApi::find_deployment(const std::string& uuid) const {
  std::optional<DeploymentRecord> record = store_.find_deployment(uuid);
  if (!record) throw Error(ErrorCode::not_found, "No deployment with deployment_uuid '" + uuid + "'.");
  return *record;
}

bj::object BlueprintsApi::deployment_detail(const DeploymentRecord& record) const {
  bj::object item = deployment_item(record);
  item["public_endpoint"] = record.public_host;
  item["canonical_name"] = record.canonical_name;
  item["last_error"] = record.last_error.empty() ? bj::value(nullptr) : bj::value(record.last_error);
  item["executor"] = std::string(controller_.executor().name());
  bj::array replicas;
  int ready = 0;
  int desired = 0;
  try {
    WorkloadStatus status = controller_.executor().status(record.uuid);
    for (const ReplicaStatus& replica : status.replicas) replicas.push_back(replica_item(replica));
    ready = status.ready_replicas;
    desired = status.desired_replicas;
  } catch (const Error& error) {
    if (error.code() != ErrorCode::not_found) throw;  // not started (yet, or any more)
  }
  item["desired_replicas"] = desired;
  item["ready_replicas"] = ready;
  item["replicas"] = std::move(replicas);
  item["recipe"] = json::parse(record.recipe_json, "recipe");
  return item;
}

http::Response BlueprintsApi::get_deployment(const http::Request&, const Params& params) {
  return json_response(200, deployment_detail(find_deployment(params.at("uuid"))));
}

http::Response BlueprintsApi::post_deployment(const http::Request& request, const Params&) {
  bj::value body = json_body(request);
  require_object(body);
  Deployed deployed = controller_.deploy(body);
  if (!deployed.group) return json_response(201, deployment_item(deployed.deployments.front()));
  bj::array members;
  for (const DeploymentRecord& record : deployed.deployments) members.push_back(deployment_item(record));
  return json_response(201, bj::object{{"deployment_group_id", deployed.group->id},
                                       {"deployment_group_name", deployed.group->name},
                                       {"creation_date", blueprints_time(deployed.group->created_unix)},
                                       {"deployments", std::move(members)}});
}

http::Response BlueprintsApi::undeploy(const http::Request& request, const Params& params) {
  std::string uuid;
  std::string group_id;
  if (const std::string* found = params.find("uuid")) uuid = *found;
  if (!request.body.empty()) {
    bj::value body = json_body(request);
    const bj::object& object = require_object(body);
    for (const auto& [key, value] : object) {
      if (key != "deployment_uuid" && key != "deployment_group_id") {
        throw InvalidParameter(std::string(key), "unknown field; send deployment_uuid or deployment_group_id");
      }
      if (!value.is_string()) throw InvalidParameter(std::string(key), "Not a valid string.");
    }
    if (const bj::value* value = object.if_contains("deployment_uuid")) uuid = std::string(value->as_string());
    if (const bj::value* value = object.if_contains("deployment_group_id")) group_id = std::string(value->as_string());
  }
  if (uuid.empty() == group_id.empty()) {
    return field_error("", "Send exactly one of deployment_uuid and deployment_group_id.");
  }
  if (!uuid.empty()) {
    DeploymentRecord record = controller_.undeploy(uuid);
    return json_response(200, bj::object{{"deployment_uuid", record.uuid}, {"deployment_directive", record.directive}});
  }
  bj::array members;
  for (const DeploymentRecord& record : controller_.undeploy_group(group_id)) members.push_back(deployment_item(record));
  return json_response(200, bj::object{{"deployment_group_id", group_id},
                                       {"deployment_directive", "decommission"},
                                       {"deployments", std::move(members)}});
}

http::Response BlueprintsApi::logs(const http::Request& request, const Params& params) {
  const size_t tail = tail_parameter(request, 1000);
  const std::string* uuid = params.find("uuid");
  if (!uuid) {
    bj::array items;
    for (const LogEntry& entry : store_.logs("", 0, tail)) items.push_back(log_item(entry));
    return json_response(200, items);
  }
  DeploymentRecord record = find_deployment(*uuid);
  if (http::is_true_flag(http::query_value(request.query, "follow"))) return follow_logs(record, tail);
  bj::array lifecycle;
  for (const LogEntry& entry : store_.logs(record.uuid, 0, tail)) lifecycle.push_back(log_item(entry));
  bj::array output;
  for (const OutputLine& line : controller_.executor().output(record.uuid, 0, tail)) {
    output.push_back(bj::object{{"seq", line.seq}, {"replica", line.replica}, {"message", line.text}});
  }
  return json_response(200, bj::object{{"deployment_uuid", record.uuid},
                                       {"deployment_name", record.deployment_name},
                                       {"deployment_status", record.status},
                                       {"lifecycle", std::move(lifecycle)},
                                       {"output", std::move(output)}});
}

// Newline-delimited JSON, one object per lifecycle entry ("type": "lifecycle") or output line
// ("type": "output"), starting with the last `tail` of each, until the client leaves or the
// deployment is undeployed or finished and everything was sent.
http::Response BlueprintsApi::follow_logs(const DeploymentRecord& record, size_t tail) {
  auto stream = std::make_shared<http::ResponseStream>();
  {
    std::lock_guard lock(followers_mutex_);
    ++followers_;
  }
  std::thread([this, stream, uuid = record.uuid, tail] {
    uint64_t log_seq = 0;
    uint64_t output_seq = 0;
    size_t first_tail = tail;
    while (!stopping_ && !stream->client_gone()) {
      std::string chunk;
      try {
        for (const LogEntry& entry : store_.logs(uuid, log_seq, first_tail)) {
          bj::object item = log_item(entry);
          item["type"] = "lifecycle";
          chunk += json::serialize(item) + "\n";
          log_seq = entry.seq;
        }
        for (const OutputLine& line : controller_.executor().output(uuid, output_seq, first_tail)) {
          chunk += json::serialize(bj::object{{"type", "output"}, {"seq", line.seq}, {"replica", line.replica},
                                              {"message", line.text}}) + "\n";
          output_seq = line.seq;
        }
      } catch (const Error&) {
        // the workload is not (or no longer) known to the executor: lifecycle entries only
      }
      first_tail = size_t(-1);
      if (!chunk.empty()) stream->write(std::move(chunk));
      // Done once the deployment is gone or finished and everything it wrote was sent.
      std::optional<DeploymentRecord> now = store_.find_deployment(uuid);
      const bool over = !now || now->directive == "decommission" || now->status == "completed" || now->status == "failed";
      if (over && chunk.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    stream->close();
    std::lock_guard lock(followers_mutex_);
    if (--followers_ == 0) followers_done_.notify_all();
  }).detach();
  http::Response response;
  response.headers.emplace_back("Content-Type", "application/x-ndjson");
  response.stream = stream;
  return response;
}

bj::object BlueprintsApi::digest(const DeploymentRecord& record) const {
  bj::object recipe = json::parse(record.recipe_json, "recipe").as_object();
  bj::array not_applied;
  try {
    for (const std::string& field : controller_.executor().unapplied_fields(parse_recipe(recipe))) {
      not_applied.emplace_back(field);
    }
  } catch (const Error&) {
    // a group member's recipe still holding placeholders: nothing more to say about it
  }
  bj::object data{{"assigned_service_endpoint", record.public_host},
                  {"canonical_name", record.canonical_name},
                  {"executor", std::string(controller_.executor().name())},
                  {"not_applied_fields", std::move(not_applied)},
                  {"not_applied_reason", "this executor does not act on these fields: OCI resources (shapes, node "
                                         "pools, OCIDs, boot volumes, object storage) and what it has no equivalent for"}};
  if (!record.last_error.empty()) data["last_error"] = record.last_error;
  return bj::object{{"deployment_uuid", record.uuid},
                    {"deployment_name", record.deployment_name},
                    {"deployment_status", record.status},
                    {"digest", bj::object{{"data", std::move(data)}}}};
}

http::Response BlueprintsApi::digests(const http::Request&, const Params& params) {
  if (const std::string* uuid = params.find("uuid")) return json_response(200, digest(find_deployment(*uuid)));
  bj::array items;
  for (const DeploymentRecord& record : store_.list_deployments()) items.push_back(digest(record));
  return json_response(200, items);
}

http::Response BlueprintsApi::workspace(const http::Request&, const Params&) {
  bj::object recipes;
  for (const DeploymentRecord& record : store_.list_deployments()) {
    if (record.directive != "commission" || record.mode != "service") continue;
    recipes[record.canonical_name] = bj::object{{"type", "Ingress"},
                                                {"name", "recipe-" + record.canonical_name + "-ingress"},
                                                {"public_endpoint", record.public_host},
                                                {"canonical-name", record.canonical_name},
                                                {"deployment-uuid", record.uuid}};
  }
  bj::object add_ons;
  if (!options_.hub_url.empty()) add_ons["hub"] = bj::object{{"public_endpoint", options_.hub_url}};
  return json_response(200, bj::object{{"env", bj::object{{"executor", std::string(controller_.executor().name())},
                                                          {"public-endpoint-base", controller_.options().public_base},
                                                          {"api-endpoint", options_.public_url}}},
                                       {"system", bj::object{{"version", std::string(kVersion)}}},
                                       {"add_ons", std::move(add_ons)},
                                       {"recipes", std::move(recipes)}});
}

bj::object BlueprintsApi::group_item(const GroupRecord& group, const std::vector<DeploymentRecord>& all) const {
  bj::array members;
  for (const DeploymentRecord& record : all) {
    if (record.group_id == group.id) members.push_back(deployment_item(record));
  }
  return bj::object{{"deployment_group_id", group.id},
                    {"deployment_group_name", group.name},
                    {"creation_date", blueprints_time(group.created_unix)},
                    {"deployments", std::move(members)}};
}

http::Response BlueprintsApi::groups(const http::Request&, const Params& params) {
  const std::vector<DeploymentRecord> all = store_.list_deployments();
  if (const std::string* id = params.find("id")) {
    std::optional<GroupRecord> group = store_.find_group(*id);
    if (!group) return detail(404, "No deployment group with id '" + *id + "'.");
    return json_response(200, group_item(*group, all));
  }
  bj::array items;
  for (const GroupRecord& group : store_.list_groups()) items.push_back(group_item(group, all));
  return json_response(200, bj::object{{"deployment_groups", std::move(items)}});
}

// There are no OCI shapes here; Oracle's scripts call this route to check a token, so it answers.
http::Response BlueprintsApi::oci_shapes(const http::Request&, const Params&) { return json_response(200, bj::array{}); }

}  // namespace gatehouse::control
