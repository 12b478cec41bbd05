// `gatehouse up` as an object: the store and vault in the data directory, an executor, the
// controller, the Blueprints API, the ingress and (optionally) the built-in Hub mirror, all behind
// one HTTP server on one port. A request goes to the ingress when it names a deployment (by Host
// or /deployments/<name>/), to the mirror under /hub, and to the API otherwise. Owns everything it
// builds; destroying it stops the server, then the workloads (children never outlive it).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/secret_string.h"
#include "http/server.h"

namespace gatehouse::control {

struct ControlPlaneOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 0;  // server threads; 0: one per CPU (more only add hand-offs between threads)
  std::chrono::microseconds busy_poll{0};  // http::ServerOptions::busy_poll
  std::filesystem::path data_dir;
  std::string executor = "local";  // "local" or "kubernetes"
  std::filesystem::path gatehouse_binary;  // what the local executor runs (this binary)
  std::string public_base;  // ingress host base; default "<host with dashes>.nip.io"
  std::optional<SecretString> admin_password;  // GATEHOUSE_ADMIN_PASSWORD, used on first start only
  // The built-in Hub mirror under /hub (empty root: none).
  std::filesystem::path hub_root;
  std::filesystem::path hub_access;
  // Kubernetes executor: kubectl context and namespace.
  std::string kube_context;
  std::string kube_namespace = "default";
  // How often running deployments are looked at; unset: 50 ms locally, 5 s on Kubernetes (each
  // look is a kubectl call against the cluster's API server).
  std::optional<std::chrono::milliseconds> poll_interval;
};

class ControlPlane {
 public:
  // Opens the store and binds the port; throws Error naming what failed.
  explicit ControlPlane(ControlPlaneOptions options);
  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  uint16_t port() const;
  std::string url() const;      // "http://127.0.0.1:8080"
  std::string hub_url() const;  // url() + "/hub", or "" without a mirror
  const std::string& public_base() const;
  // The admin password generated on first start (to print once), if one was.
  const std::optional<SecretString>& generated_admin_password() const;

  // Things `gatehouse up --demo` and tests do before serving, through the same code as the API.
  void ensure_secret(const std::string& name, const std::string& key, const SecretString& value);
  // Deploys the recipe unless a commissioned deployment of that name exists; returns its uuid.
  std::string ensure_deployment(const std::string& recipe_json);

  // Starts the controller: commissioned deployments come back. Then serve with server().run().
  void start();
  http::Server& server();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::control
