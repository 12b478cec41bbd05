// The OCI AI Blueprints REST API (reference/blueprints.md is its contract; docs/control.md lists
// every route): /login/, /secrets/, /deployment/, /undeploy/, /deployment_logs/,
// /deployment_digests/, /workspace/, /deployment_groups/. Answers and errors follow Django REST
// Framework's conventions, as the real control plane's do ({"detail": ...}, field maps, 401 with
// WWW-Authenticate: Token). Paths work with and without the trailing slash. Owns the log followers
// it starts and the threads that check passwords (both joined on destruction); handle() is
// thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>

#include "base/worker_pool.h"
#include "control/controller.h"
#include "control/login_throttle.h"
#include "control/store.h"
#include "http/router.h"
#include "http/server.h"

namespace gatehouse::control {

struct ApiOptions {
  std::string public_url;  // "http://127.0.0.1:8080": the API root's links start with it
  std::string hub_url;     // the built-in mirror's URL, or empty
  size_t max_body_bytes = 1 << 20;
};

class BlueprintsApi {
 public:
  BlueprintsApi(Store& store, Controller& controller, ApiOptions options);
  ~BlueprintsApi();
  BlueprintsApi(const BlueprintsApi&) = delete;
  BlueprintsApi& operator=(const BlueprintsApi&) = delete;

  http::Response handle(const http::Request& request);

 private:
  using Params = http::RouteParams;
  http::Response dispatch(const http::Request& request);
  http::Response login(const http::Request& request);
  http::Response check_login(const std::string& client, const std::string& username, const SecretString& password);
  http::Response api_root(const http::Request& request, const Params& params);
  http::Response list_secrets(const http::Request& request, const Params& params);
  http::Response get_secret(const http::Request& request, const Params& params);
  http::Response post_secrets(const http::Request& request, const Params& params);
  http::Response list_deployments(const http::Request& request, const Params& params);
  http::Response get_deployment(const http::Request& request, const Params& params);
  http::Response post_deployment(const http::Request& request, const Params& params);
  http::Response undeploy(const http::Request& request, const Params& params);
  http::Response logs(const http::Request& request, const Params& params);
  http::Response follow_logs(const DeploymentRecord& record, size_t tail);
  http::Response digests(const http::Request& request, const Params& params);
  http::Response workspace(const http::Request& request, const Params& params);
  http::Response groups(const http::Request& request, const Params& params);
  http::Response oci_shapes(const http::Request& request, const Params& params);

  DeploymentRecord find_deployment(const std::string& uuid) const;
  boost::json::object deployment_detail(const DeploymentRecord& record) const;
  boost::json::object digest(const DeploymentRecord& record) const;
  boost::json::object group_item(const GroupRecord& group, const std::vector<DeploymentRecord>& all) const;

  Store& store_;
  Controller& controller_;
  ApiOptions options_;
  LoginThrottle throttle_;
  http::Router router_;

  std::mutex followers_mutex_;
  std::condition_variable followers_done_;
  int followers_ = 0;
  std::atomic<bool> stopping_{false};
  // Argon2id takes a few hundred milliseconds: password checks run here, never on the server's
  // event loop (where they would stall every connection of that thread). Last, so its threads
  // are joined before the members their jobs use go.
  WorkerPool password_checks_{2, 32};
};

}  // namespace gatehouse::control
