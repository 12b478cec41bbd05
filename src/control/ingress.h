// Sends public traffic to deployments. A request is for a deployment when its Host is
// "<canonical>.<anything>.nip.io", "<canonical>.localhost" or a deployment's own host
// (service_endpoint_domain), or when its path starts with "/deployments/<canonical>/" (that prefix
// is removed upstream). It goes, through the server's streaming proxy, to the ready replica with
// the fewest requests in flight. The routing table is rebuilt by the controller after each pass
// (update()), so a request costs no database read. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "control/executor.h"
#include "control/store.h"
#include "http/server.h"

namespace gatehouse::control {

class Ingress {
 public:
  explicit Ingress(Executor& executor) : executor_(executor) {}

  // The deployments that take traffic (commissioned ones; the others are forgotten).
  void update(const std::vector<DeploymentRecord>& deployments);

  // The answer (usually a proxied one) when the request is for a deployment; nullopt otherwise.
  std::optional<http::Response> route(const http::Request& request);

 private:
  struct Route {
    std::string uuid;
    std::string canonical_name;
    std::string status;
  };
  struct Table {
    std::map<std::string, Route, std::less<>> by_name;  // canonical name
    std::map<std::string, Route, std::less<>> by_host;  // public host (lower case)
  };
  std::optional<http::Response> forward(const http::Request& request, const Route& route, std::string target);
  std::shared_ptr<std::atomic<int>> in_flight(const ReplicaAddress& address);

  Executor& executor_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Table> table_ = std::make_shared<Table>();
  std::map<std::string, std::shared_ptr<std::atomic<int>>> in_flight_;  // "host:port" -> requests
};

}  // namespace gatehouse::control
