#include "control/ingress.h"

#include <limits>

#include "api/error_envelope.h"

namespace gatehouse::control {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// The Host header without its port.
std::string host_name(const http::Request& request) {
  const std::string* host = request.header("host");
  if (!host) return "";
  std::string_view name = *host;
  if (!name.empty() && name.front() == '[') return lower(name);  // an IPv6 literal is never a deployment
  return lower(name.substr(0, name.find(':')));
}

// The deployment a host names by the ingress conventions, or "" (the API's own hosts: a bare
// "<ip>.nip.io", "api.<base>", an IP address, "localhost").
std::string name_from_host(const std::string& host) {
  const size_t dot = host.find('.');
  if (dot == std::string::npos) return "";
  std::string label = host.substr(0, dot);
  const std::string_view rest = std::string_view(host).substr(dot + 1);
  if (label == "api") return "";
  if (rest == "localhost") return label;
  if (ends_with(rest, ".nip.io")) return label;
  return "";
}

}  // namespace

void Ingress::update(const std::vector<DeploymentRecord>& deployments) {
  auto table = std::make_shared<Table>();
  for (const DeploymentRecord& record : deployments) {
    if (record.directive != "commission") continue;
    Route route{record.uuid, record.canonical_name, record.status};
    table->by_name[record.canonical_name] = route;
    table->by_host[lower(record.public_host)] = route;
  }
  std::lock_guard lock(mutex_);
  table_ = std::move(table);
}

std::optional<http::Response> Ingress::route(const http::Request& request) {
  std::shared_ptr<const Table> table;
  {
    std::lock_guard lock(mutex_);
    table = table_;
  }
  const std::string host = host_name(request);
  if (auto found = table->by_host.find(host); found != table->by_host.end()) {
    return forward(request, found->second, request.target);
  }
  if (std::string name = name_from_host(host); !name.empty()) {
    auto found = table->by_name.find(name);
    if (found == table->by_name.end()) {
      return api::openai_error_response(404, "no deployment named '" + name + "' (from the Host header); GET /deployment/ "
                                     "lists the deployments");
    }
    return forward(request, found->second, request.target);
  }
  constexpr std::string_view kPrefix = "/deployments/";
  if (request.path.rfind(kPrefix, 0) == 0) {
    std::string_view rest = std::string_view(request.target).substr(kPrefix.size());
    const size_t end = std::min(rest.find_first_of("/?"), rest.size());
    const std::string name(rest.substr(0, end));
    auto found = table->by_name.find(name);
    if (found == table->by_name.end()) {
      return api::openai_error_response(404, "no deployment named '" + name + "'; GET /deployment/ lists the deployments");
    }
    const std::string_view target = rest.substr(end);
    return forward(request, found->second,
                   target.starts_with('/') ? std::string(target) : std::string("/").append(target));
  }
  return std::nullopt;
}

std::shared_ptr<std::atomic<int>> Ingress::in_flight(const ReplicaAddress& address) {
  const std::string key = address.host + ":" + std::to_string(address.port);
  std::lock_guard lock(mutex_);
  auto& counter = in_flight_[key];
  if (!counter) counter = std::make_shared<std::atomic<int>>(0);
  return counter;
}

std::optional<http::Response> Ingress::forward(const http::Request& request, const Route& route, std::string target) {
  std::vector<ReplicaAddress> replicas = executor_.ready_replicas(route.uuid);
  if (replicas.empty()) {
    http::Response response = api::openai_error_response(
        503, "deployment '" + route.canonical_name + "' has no ready replica (status: " + route.status +
                 "); GET /deployment/" + route.uuid + "/ shows why, retry when it is monitoring");
    response.set_header("Retry-After", "1");
    return response;
  }
  // Least outstanding requests; ties go to the first listed.
  std::shared_ptr<std::atomic<int>> chosen_count;
  const ReplicaAddress* chosen = nullptr;
  int fewest = std::numeric_limits<int>::max();
  for (const ReplicaAddress& replica : replicas) {
    std::shared_ptr<std::atomic<int>> count = in_flight(replica);
    if (int now = count->load(); now < fewest) {
      fewest = now;
      chosen = &replica;
      chosen_count = std::move(count);
    }
  }
  chosen_count->fetch_add(1);
  http::ProxyTarget proxy;
  proxy.upstream = {chosen->host, chosen->port};
  proxy.target = std::move(target);
  proxy.on_done = [chosen_count](http::ProxyOutcome) { chosen_count->fetch_sub(1); };
  const std::string name = route.canonical_name;
  proxy.error_response = [name](http::ProxyOutcome, const std::string& detail) {
    return api::openai_error_response(502, "deployment '" + name + "': its replica did not answer (" + detail + ")");
  };
  return http::Response::proxied(std::move(proxy));
}

}  // namespace gatehouse::control
