#include "control/controller.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "control/ids.h"

namespace gatehouse::control {
namespace {

namespace bj = boost::json;

constexpr std::string_view kScheduled = "scheduled";
constexpr std::string_view kActive = "active";
constexpr std::string_view kMonitoring = "monitoring";
constexpr std::string_view kFailed = "failed";
constexpr std::string_view kCompleted = "completed";

bool finished(const std::string& status) { return status == kFailed || status == kCompleted; }

// A member a dependent may start after: a service once it serves, a job once it is done.
bool satisfies_dependency(const DeploymentRecord& record) {
  return record.status == kMonitoring || record.status == kCompleted;
}

int64_t now_unix() { return int64_t(std::time(nullptr)); }

// Prefixes the field an InvalidParameter names ("recipe_mode" -> "deployment_group...recipe.recipe_mode").
[[noreturn]] void rethrow_in(const InvalidParameter& error, const std::string& prefix) {
  if (prefix.empty()) throw error;
  throw InvalidParameter(prefix + error.parameter(), error.what());
}

}  // namespace

Controller::Controller(Store& store, Executor& executor, ControllerOptions options)
    : store_(store), executor_(executor), options_(std::move(options)) {}

Controller::~Controller() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Controller::start() {
  thread_ = std::thread([this] { run(); });
}

void Controller::record_event(const LifecycleEvent& event) {
  store_.append_log(event);
  {
    std::lock_guard lock(mutex_);
    dirty_ = true;
  }
  wake_.notify_all();
}

void Controller::check_runnable(const Recipe& recipe, const std::string& prefix) const {
  switch (recipe.mode) {
    case RecipeMode::service:
    case RecipeMode::job:
      break;
    case RecipeMode::update:
    case RecipeMode::shared_node_pool:
    case RecipeMode::team:
      throw InvalidParameter(prefix + "recipe_mode",
                             "recipe_mode '" + std::string(recipe_mode_name(recipe.mode)) +
                                 "' manages OCI node pools and Kueue teams, which this control plane does not run; "
                                 "deploy 'service' and 'job' recipes (or deployment groups of them)");
  }
  try {
    executor_.check(recipe);
  } catch (const InvalidParameter& error) {
    rethrow_in(error, prefix);
  }
  for (size_t i = 0; i < recipe.env_secrets.size(); ++i) {
    const EnvSecret& wanted = recipe.env_secrets[i];
    const std::string field = prefix + "recipe_environment_secrets[" + std::to_string(i) + "]";
    std::optional<SecretInfo> secret = store_.find_secret(wanted.secret_name);
    if (!secret) {
      throw InvalidParameter(field + ".secret_name", "no secret named '" + wanted.secret_name +
                                                         "' in namespace 'default'; create it with POST /secrets/ first");
    }
    if (std::find(secret->data_keys.begin(), secret->data_keys.end(), wanted.secret_key) == secret->data_keys.end()) {
      throw InvalidParameter(field + ".secret_key", "secret '" + wanted.secret_name + "' has no key '" +
                                                        wanted.secret_key + "'");
    }
  }
  if (recipe.container_secret_name) {
    std::optional<SecretInfo> secret = store_.find_secret(*recipe.container_secret_name);
    if (!secret || secret->type != "container_registry") {
      throw InvalidParameter(prefix + "recipe_container_secret_name",
                             "no container_registry secret named '" + *recipe.container_secret_name +
                                 "' in namespace 'default'; create it with POST /secrets/ first");
    }
  }
}

DeploymentRecord Controller::record_for(const Recipe& recipe, const std::string& name,
                                        const std::string& recipe_json) const {
  DeploymentRecord record;
  record.uuid = new_id();
  record.deployment_name = name;
  record.canonical_name = slug(name);
  record.mode = std::string(recipe_mode_name(recipe.mode));
  record.recipe_id = recipe.recipe_id;
  record.recipe_json = recipe_json;
  record.created_unix = now_unix();
  record.status = std::string(kScheduled);
  record.directive = "commission";
  record.public_host = recipe.service_endpoint_domain.value_or(record.canonical_name + "." + options_.public_base);
  return record;
}

Deployed Controller::deploy(const bj::value& body) {
  Deployed deployed;
  const bj::object* object = body.if_object();
  if (object && object->contains("deployment_group")) {
    DeploymentGroupSpec spec = parse_deployment_group(body);
    GroupRecord group{.id = new_id(), .name = spec.name, .created_unix = now_unix(), .spec_json = json::serialize(body)};
    for (const GroupMember& member : spec.members) {
      const std::string prefix = member.path + ".recipe.";
      check_runnable(member.checked, prefix);
      // parse_deployment_group checked that these names are unique DNS labels.
      DeploymentRecord record = record_for(member.checked, member.checked.deployment_name + "-" + spec.name,
                                           json::serialize(member.recipe));
      record.group_id = group.id;
      record.sub_deployment_name = member.name;
      deployed.deployments.push_back(std::move(record));
    }
    store_.insert_group(group);
    for (size_t i = 0; i < deployed.deployments.size(); ++i) {
      try {
        store_.insert_deployment(deployed.deployments[i]);
      } catch (const Error& error) {
        if (error.code() != ErrorCode::conflict) throw;
        for (size_t j = 0; j < i; ++j) {
          store_.set_status(deployed.deployments[j].uuid, std::string(kFailed), "another member's name was taken");
          store_.set_directive(deployed.deployments[j].uuid, "decommission");
        }
        throw InvalidParameter(spec.members[i].path + ".recipe.deployment_name", error.what());
      }
    }
    deployed.group = std::move(group);
  } else {
    Recipe recipe = parse_recipe(body);
    check_runnable(recipe, "");
    DeploymentRecord record = record_for(recipe, recipe.deployment_name, json::serialize(recipe.raw));
    try {
      store_.insert_deployment(record);
    } catch (const Error& error) {
      if (error.code() != ErrorCode::conflict) throw;
      throw InvalidParameter("deployment_name", error.what());
    }
    deployed.deployments.push_back(std::move(record));
  }
  for (const DeploymentRecord& record : deployed.deployments) {
    record_event({record.uuid, "Directive", "commission", "deployment '" + record.deployment_name + "' scheduled"});
  }
  return deployed;
}

DeploymentRecord Controller::undeploy(const std::string& uuid) {
  std::optional<DeploymentRecord> record = store_.find_deployment(uuid);
  if (!record || !store_.set_directive(uuid, "decommission")) {
    throw Error(ErrorCode::not_found, "no commissioned deployment with deployment_uuid '" + uuid + "'");
  }
  record->directive = "decommission";
  {
    std::lock_guard lock(mutex_);
    to_stop_.insert(uuid);
  }
  record_event({uuid, "Directive", "decommission", "undeploy requested"});
  return *record;
}

std::vector<DeploymentRecord> Controller::undeploy_group(const std::string& group_id) {
  if (!store_.find_group(group_id)) throw Error(ErrorCode::not_found, "no deployment group with id '" + group_id + "'");
  std::vector<DeploymentRecord> members;
  for (DeploymentRecord& record : store_.list_deployments()) {
    if (record.group_id == group_id && record.directive == "commission") members.push_back(std::move(record));
  }
  // Members another request undeploys meanwhile are theirs to report.
  std::erase_if(members, [&](const DeploymentRecord& record) { return !store_.set_directive(record.uuid, "decommission"); });
  if (members.empty()) throw Error(ErrorCode::not_found, "deployment group '" + group_id + "' is already undeployed");
  for (DeploymentRecord& record : members) {
    record.directive = "decommission";
    {
      std::lock_guard lock(mutex_);
      to_stop_.insert(record.uuid);
    }
    record_event({record.uuid, "Directive", "decommission", "group undeploy requested"});
  }
  return members;
}

void Controller::run() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_ || dirty_; });
      if (stopping_) return;
      dirty_ = false;
    }
    try {
      reconcile();
    } catch (const std::exception& error) {
      GH_LOG(error) << "controller: " << error.what();
    }
  }
}

void Controller::reconcile() {
  const std::vector<DeploymentRecord> all = store_.list_deployments();
  for (const DeploymentRecord& record : all) {
    if (record.directive == "decommission") {
      bool stop;
      {
        std::lock_guard lock(mutex_);
        stop = to_stop_.erase(record.uuid) > 0;
      }
      if (stop) decommission(record);
      continue;
    }
    if (finished(record.status)) continue;  // nothing changes any more until it is undeployed
    reconcile_one(record, all);
  }
  if (options_.on_reconciled) options_.on_reconciled(store_.list_deployments());
}

void Controller::reconcile_one(const DeploymentRecord& record, const std::vector<DeploymentRecord>& all) {
  bool started;
  {
    std::lock_guard lock(mutex_);
    started = started_.count(record.uuid) > 0;
  }
  if (!started) {
    commission(record, all);
    return;
  }
  WorkloadStatus status = executor_.status(record.uuid);
  std::string next;
  switch (status.phase) {
    case WorkloadPhase::starting: next = std::string(kActive); break;
    case WorkloadPhase::ready: next = std::string(kMonitoring); break;
    case WorkloadPhase::completed: next = std::string(kCompleted); break;
    case WorkloadPhase::failed: next = std::string(kFailed); break;
  }
  if (next != record.status || (next == kFailed && status.last_error != record.last_error)) {
    set_status(record, next, status.last_error);
  }
}

void Controller::commission(const DeploymentRecord& record, const std::vector<DeploymentRecord>& all) {
  bj::object recipe_object = json::parse(record.recipe_json, "recipe").as_object();
  if (record.group_id) {
    // Members wait in `scheduled` for what they depend on; a failed dependency fails them.
    std::map<std::string, const DeploymentRecord*> members;
    for (const DeploymentRecord& other : all) {
      if (other.group_id == record.group_id && other.directive == "commission" && other.sub_deployment_name) {
        members[*other.sub_deployment_name] = &other;
      }
    }
    std::optional<GroupRecord> group = store_.find_group(*record.group_id);
    GH_CHECK(group);
    DeploymentGroupSpec spec = parse_deployment_group(json::parse(group->spec_json, "deployment group"));
    for (const GroupMember& member : spec.members) {
      if (member.name != record.sub_deployment_name) continue;
      for (const std::string& dependency : member.depends_on) {
        auto found = members.find(dependency);
        if (found == members.end() || found->second->status == kFailed) {
          set_status(record, std::string(kFailed), "dependency '" + dependency + "' failed or was undeployed");
          return;
        }
        if (!satisfies_dependency(*found->second)) return;
      }
    }
    try {
      recipe_object = substitute_placeholders(recipe_object, [&](std::string_view name, std::string_view export_name) {
        auto found = members.find(std::string(name));
        return found == members.end() ? std::nullopt : export_value(*found->second, export_name);
      });
    } catch (const Error& error) {
      set_status(record, std::string(kFailed), error.what());
      return;
    }
  }
  Workload workload;
  workload.uuid = record.uuid;
  workload.canonical_name = record.canonical_name;
  workload.public_host = record.public_host;
  try {
    workload.recipe = parse_recipe(recipe_object);
    std::set<std::string> names;
    for (const EnvSecret& secret : workload.recipe.env_secrets) names.insert(secret.secret_name);
    if (workload.recipe.container_secret_name) names.insert(*workload.recipe.container_secret_name);
    for (const std::string& name : names) {
      std::optional<ResolvedSecret> secret = store_.resolve_secret(name);
      if (!secret) throw Error(ErrorCode::not_found, "secret '" + name + "' no longer exists; create it again and redeploy");
      workload.secrets.push_back(std::move(*secret));
    }
  } catch (const Error& error) {
    set_status(record, std::string(kFailed), error.what());
    return;
  }
  {
    std::lock_guard lock(mutex_);
    started_.insert(record.uuid);
  }
  store_.append_log({record.uuid, "Canonical", "name assignment", record.canonical_name + " at " + record.public_host});
  try {
    executor_.start(workload);
  } catch (const Error& error) {
    set_status(record, std::string(kFailed), error.what());
    return;
  }
  if (record.status != kActive) set_status(record, std::string(kActive));
}

void Controller::decommission(const DeploymentRecord& record) {
  try {
    executor_.stop(record.uuid);
  } catch (const std::exception& error) {
    store_.append_log({record.uuid, "Directive", "decommission", std::string("stopping failed: ") + error.what()});
    std::lock_guard lock(mutex_);
    to_stop_.insert(record.uuid);  // tried again on the next pass
    return;
  }
  {
    std::lock_guard lock(mutex_);
    started_.erase(record.uuid);
  }
  store_.append_log({record.uuid, "Directive", "decommission/completed", "deployment '" + record.deployment_name + "' removed"});
}

std::optional<std::string> Controller::export_value(const DeploymentRecord& member, std::string_view name) const {
  const bool local = executor_.name() == "local";
  if (name == "service_url") {
    return local ? options_.local_url + "/deployments/" + member.canonical_name : "http://" + member.public_host;
  }
  if (name == "internal_dns_name") {
    return local ? "127.0.0.1" : "recipe-" + member.canonical_name + ".default.svc.cluster.local";
  }
  if (name == "service_name") return "recipe-" + member.canonical_name;
  return std::nullopt;
}

void Controller::set_status(const DeploymentRecord& record, const std::string& status, const std::string& error) {
  store_.set_status(record.uuid, status, error);
  // Every change of status is a step of the log; the executor logs its own steps besides.
  store_.append_log({record.uuid, "Status", status, error.empty() ? "deployment '" + record.deployment_name + "' is " + status : error});
}

}  // namespace gatehouse::control
