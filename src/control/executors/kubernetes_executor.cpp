#include "control/executors/kubernetes_executor.h"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <set>

#include "base/error.h"
#include "base/json.h"
#include "control/executors/run_process.h"

namespace gatehouse::control {
namespace {

namespace bj = boost::json;

// Container waiting reasons that will not resolve by waiting: someone has to fix the image, the
// registry credentials, a missing secret or the program.
const std::set<std::string, std::less<>> kStuckReasons = {
    "CrashLoopBackOff",  "ImagePullBackOff",       "ErrImagePull",          "InvalidImageName",
    "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError", "RunContainerError"};

constexpr size_t kMaxQuotedStderr = 4000;

std::string text(const bj::object& object, std::string_view key) {
  const bj::value* value = json::find(object, key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

int64_t number(const bj::object& object, std::string_view key, int64_t fallback) {
  const bj::value* value = json::find(object, key);
  return value != nullptr && value->is_int64() ? value->get_int64() : fallback;
}

const bj::object& child(const bj::object& object, std::string_view key) {
  static const bj::object empty;
  const bj::value* value = json::find(object, key);
  return value != nullptr && value->is_object() ? value->get_object() : empty;
}

const bj::array& children(const bj::object& object, std::string_view key) {
  static const bj::array empty;
  const bj::value* value = json::find(object, key);
  return value != nullptr && value->is_array() ? value->get_array() : empty;
}

// The condition of `type` whose status is "True", or null.
const bj::object* true_condition(const bj::object& status, std::string_view type) {
  for (const bj::value& item : children(status, "conditions")) {
    if (!item.is_object()) continue;
    const bj::object& condition = item.get_object();
    if (text(condition, "type") == type && text(condition, "status") == "True") return &condition;
  }
  return nullptr;
}

std::string join_reason(const std::string& reason, const std::string& message) {
  return message.empty() ? reason : reason + ": " + message;
}

// One pod as a replica, and what is wrong with it when something is.
ReplicaStatus replica(const bj::object& pod, std::string& problem) {
  const bj::object& status = child(pod, "status");
  ReplicaStatus out;
  out.id = text(child(pod, "metadata"), "name");
  const std::string phase = text(status, "phase");
  out.state = phase == "Succeeded" ? "exited" : phase == "Failed" ? "failed" : "starting";
  if (phase == "Running" && true_condition(status, "Ready") != nullptr) out.state = "ready";
  for (const bj::value& item : children(status, "conditions")) {
    if (!item.is_object()) continue;
    const bj::object& condition = item.get_object();
    if (text(condition, "type") == "PodScheduled" && text(condition, "status") == "False") {
      problem = "pod " + out.id + ": " + join_reason(text(condition, "reason"), text(condition, "message"));
    }
  }
  for (const bj::value& item : children(status, "containerStatuses")) {
    if (!item.is_object()) continue;
    const bj::object& container = item.get_object();
    out.restarts += static_cast<int>(number(container, "restartCount", 0));
    const bj::object& waiting = child(child(container, "state"), "waiting");
    const bj::object& terminated = child(child(container, "state"), "terminated");
    const bj::object& last = child(child(container, "lastState"), "terminated");
    const std::string reason = text(waiting, "reason");
    if (reason == "CrashLoopBackOff") out.state = "restarting";
    if (kStuckReasons.contains(reason)) {
      problem = "pod " + out.id + ": " + join_reason(reason, text(waiting, "message"));
      if (!last.empty()) {
        problem += " (last exit code " + std::to_string(number(last, "exitCode", 0)) + ", " + text(last, "reason") + ")";
      }
    } else if (phase == "Failed" && !terminated.empty()) {
      problem = "pod " + out.id + ": exited with code " + std::to_string(number(terminated, "exitCode", 0)) +
                " (" + text(terminated, "reason") + ")";
    }
  }
  return out;
}

// Nanoseconds since the epoch of an RFC 3339 time as kubectl prints it ("2025-07-15T11:39:02.123456789Z").
std::optional<uint64_t> parse_time(std::string_view stamp) {
  std::tm parts{};
  int nanos_digits = 0;
  uint64_t nanos = 0;
  if (stamp.size() < 20 || stamp.back() != 'Z') return std::nullopt;
  if (std::sscanf(std::string(stamp.substr(0, 19)).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec) != 6) {
    return std::nullopt;
  }
  for (char c : stamp.substr(20, stamp.size() - 21)) {
    if (c < '0' || c > '9' || nanos_digits == 9) return std::nullopt;
    nanos = nanos * 10 + static_cast<uint64_t>(c - '0');
    ++nanos_digits;
  }
  for (; nanos_digits < 9; ++nanos_digits) nanos *= 10;
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  const time_t seconds = timegm(&parts);
  if (seconds < 0) return std::nullopt;
  return static_cast<uint64_t>(seconds) * 1000000000ull + nanos;
}

// `kubectl logs --prefix --timestamps` lines: "[pod/NAME/CONTAINER] TIME TEXT".
std::vector<OutputLine> parse_logs(std::string_view out) {
  std::vector<OutputLine> lines;
  while (!out.empty()) {
    const size_t end = std::min(out.find('\n'), out.size());
    std::string_view line = out.substr(0, end);
    out.remove_prefix(std::min(end + 1, out.size()));
    const size_t close = line.find("] ");
    if (!line.starts_with("[pod/") || close == std::string_view::npos) continue;
    std::string_view source = line.substr(5, close - 5);
    std::string_view rest = line.substr(close + 2);
    const size_t space = std::min(rest.find(' '), rest.size());
    const std::optional<uint64_t> seq = parse_time(rest.substr(0, space));
    if (!seq) continue;
    lines.push_back({*seq, std::string(source.substr(0, source.find('/'))),
                     std::string(rest.substr(std::min(space + 1, rest.size())))});
  }
  std::stable_sort(lines.begin(), lines.end(), [](const OutputLine& a, const OutputLine& b) { return a.seq < b.seq; });
  return lines;
}

// kubectl does not echo stdin in its errors, but what an error quotes is struck out anyway: every
// secret value of the workload, as written and as base64.
std::string scrub(std::string message, const Workload* workload) {
  if (workload != nullptr) {
    for (const ResolvedSecret& secret : workload->secrets) {
      for (const auto& [key, value] : secret.data) {
        for (const std::string& needle : {value.reveal(), secret_data_value(value.reveal())}) {
          if (needle.empty()) continue;
          for (size_t at = message.find(needle); at != std::string::npos; at = message.find(needle, at + 3)) {
            message.replace(at, needle.size(), "***");
          }
        }
      }
    }
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (message.size() > kMaxQuotedStderr) message = "..." + message.substr(message.size() - kMaxQuotedStderr);
  return message;
}

std::string uuid_selector(const std::string& uuid) { return std::string(kUuidLabel) + "=" + uuid; }

}  // namespace

WorkloadStatus parse_workload_status(const bj::value& list, const std::string& object_name, RecipeMode mode) {
  const std::string kind = mode == RecipeMode::job ? "Job" : "Deployment";
  WorkloadStatus out;
  const bj::object* owner = nullptr;
  std::string pod_problem;
  for (const bj::value& item : children(json::as_object(list, json::JsonPath("kubectl get")), "items")) {
    if (!item.is_object()) continue;
    const bj::object& object = item.get_object();
    const std::string item_kind = text(object, "kind");
    if (item_kind == kind && text(child(object, "metadata"), "name") == object_name) owner = &object;
    if (item_kind == "Pod") out.replicas.push_back(replica(object, pod_problem));
  }
  if (owner == nullptr) {
    out.phase = WorkloadPhase::failed;
    out.last_error = kind + " " + object_name + " is not in the cluster (deleted outside Gatehouse?)";
    return out;
  }
  const bj::object& spec = child(*owner, "spec");
  const bj::object& status = child(*owner, "status");
  std::string owner_problem;
  if (mode == RecipeMode::job) {
    out.desired_replicas = static_cast<int>(number(spec, "parallelism", 1));
    out.ready_replicas = static_cast<int>(number(status, "ready", 0));
    if (true_condition(status, "Complete") != nullptr) {
      out.phase = WorkloadPhase::completed;
    } else if (const bj::object* failed = true_condition(status, "Failed")) {
      out.phase = WorkloadPhase::failed;
      owner_problem = "Job failed: " + join_reason(text(*failed, "reason"), text(*failed, "message"));
    }
  } else {
    out.desired_replicas = static_cast<int>(number(spec, "replicas", 1));
    out.ready_replicas = static_cast<int>(number(status, "readyReplicas", 0));
    if (out.ready_replicas > 0) out.phase = WorkloadPhase::ready;
    for (const bj::value& item : children(status, "conditions")) {
      if (!item.is_object()) continue;
      const bj::object& condition = item.get_object();
      if (text(condition, "type") == "Progressing" && text(condition, "reason") == "ProgressDeadlineExceeded" &&
          out.ready_replicas == 0) {
        out.phase = WorkloadPhase::failed;
        owner_problem = "Deployment failed: " + join_reason("ProgressDeadlineExceeded", text(condition, "message"));
      }
    }
  }
  out.last_error = owner_problem.empty() ? pod_problem
                   : pod_problem.empty() ? owner_problem
                                         : owner_problem + "; " + pod_problem;
  return out;
}

KubernetesExecutor::KubernetesExecutor(KubernetesExecutorOptions options) : options_(std::move(options)) {
  if (options_.kubectl.empty()) {
    const char* from_env = std::getenv("GATEHOUSE_KUBECTL");
    options_.kubectl = from_env != nullptr && *from_env != '\0' ? from_env : "kubectl";
  }
}

void KubernetesExecutor::check(const Recipe& recipe) const { check_kubernetes_recipe(recipe); }

std::vector<std::string> KubernetesExecutor::command(std::vector<std::string> args) const {
  std::vector<std::string> argv{options_.kubectl};
  if (options_.context) argv.push_back("--context=" + *options_.context);
  argv.push_back("--namespace=" + options_.manifests.namespace_name);
  for (std::string& arg : args) argv.push_back(std::move(arg));
  return argv;
}

void KubernetesExecutor::emit(const std::string& uuid, const std::string& step, const std::string& status,
                              const std::string& message) const {
  if (options_.events) options_.events(LifecycleEvent{uuid, step, status, message});
}

void KubernetesExecutor::start(const Workload& workload) {
  check_kubernetes_recipe(workload.recipe);
  const SecretString document = apply_document(workload, options_.manifests);
  const ProcessResult run =
      run_process(command({"apply", "--server-side", "--field-manager=gatehouse", "--filename=-"}), document.reveal(),
                  options_.command_timeout);
  if (run.exit_code != 0) {
    const std::string why = "kubectl apply failed (exit " + std::to_string(run.exit_code) + "): " + scrub(run.err, &workload);
    emit(workload.uuid, "Kubernetes", "failed", why);
    throw Error(ErrorCode::unavailable, why);
  }
  {
    std::lock_guard lock(mutex_);
    workloads_[workload.uuid] = Known{workload_object_name(workload), workload.recipe.mode};
  }
  emit(workload.uuid, "Kubernetes", "applied", scrub(run.out, &workload));
}

void KubernetesExecutor::stop(const std::string& uuid) {
  // Foreground cascade with --wait: kubectl returns once the pods are gone too.
  const ProcessResult run = run_process(
      command({"delete", "ingress,service,deployment,job,secret", "--selector=" + uuid_selector(uuid),
               "--ignore-not-found", "--wait", "--cascade=foreground"}),
      {}, options_.command_timeout);
  if (run.exit_code != 0) {
    throw Error(ErrorCode::unavailable,
                "kubectl delete failed (exit " + std::to_string(run.exit_code) + "): " + scrub(run.err, nullptr));
  }
  bool was_known = false;
  {
    std::lock_guard lock(mutex_);
    was_known = workloads_.erase(uuid) > 0;
  }
  if (was_known || !run.out.empty()) emit(uuid, "Kubernetes", "deleted", scrub(run.out, nullptr));
}

KubernetesExecutor::Known KubernetesExecutor::known(const std::string& uuid) const {
  std::lock_guard lock(mutex_);
  auto found = workloads_.find(uuid);
  if (found == workloads_.end()) throw Error(ErrorCode::not_found, "no Kubernetes workload " + uuid);
  return found->second;
}

WorkloadStatus KubernetesExecutor::status(const std::string& uuid) const {
  const Known workload = known(uuid);
  const std::string kinds = workload.mode == RecipeMode::job ? "jobs,pods" : "deployments,pods";
  const ProcessResult run =
      run_process(command({"get", kinds, "--selector=" + uuid_selector(uuid), "--output=json"}), {},
                  options_.command_timeout);
  if (run.exit_code != 0) {
    throw Error(ErrorCode::unavailable,
                "kubectl get failed (exit " + std::to_string(run.exit_code) + "): " + scrub(run.err, nullptr));
  }
  return parse_workload_status(json::parse(run.out, "kubectl get output"), workload.object_name, workload.mode);
}

std::vector<ReplicaAddress> KubernetesExecutor::ready_replicas(const std::string& uuid) const {
  known(uuid);
  return {};
}

std::vector<OutputLine> KubernetesExecutor::output(const std::string& uuid, uint64_t after_seq, size_t tail) const {
  known(uuid);
  if (tail == 0) return {};
  const ProcessResult run =
      run_process(command({"logs", "--selector=" + uuid_selector(uuid), "--all-containers", "--prefix", "--timestamps",
                           "--tail=" + std::to_string(tail), "--max-log-requests=20"}),
                  {}, options_.command_timeout);
  if (run.exit_code != 0) {
    throw Error(ErrorCode::unavailable,
                "kubectl logs failed (exit " + std::to_string(run.exit_code) + "): " + scrub(run.err, nullptr));
  }
  std::vector<OutputLine> lines = parse_logs(run.out);
  std::erase_if(lines, [&](const OutputLine& line) { return line.seq <= after_seq; });
  if (lines.size() > tail) lines.erase(lines.begin(), lines.end() - static_cast<ptrdiff_t>(tail));
  return lines;
}

// What render_manifests() has no object for yet.
std::vector<std::string> KubernetesExecutor::unapplied_fields(const Recipe& recipe) const {
  return control::unapplied_fields(
      recipe, {"recipe_additional_ingress_ports", "recipe_node_selector_arch", "recipe_pod_autoscaling_params",
               "recipe_secret_mounts", "recipe_configmaps", "pvcs", "recipe_storage_group_id",
               "recipe_additional_ingress_annotations", "service_endpoint_subdomain", "recipe_disable_ingress"});
}

}  // namespace gatehouse::control
