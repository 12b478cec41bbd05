#include "control/control_plane.h"

#include <boost/json.hpp>
#include <thread>

#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "control/api/blueprints_api.h"
#include "control/controller.h"
#include "control/executors/kubernetes_executor.h"
#include "control/executors/local_executor.h"
#include "control/ingress.h"
#include "control/store.h"
#include "hub/mirror/mirror_service.h"
#include "http/cors.h"

namespace gatehouse::control {
namespace {

std::string default_public_base(const std::string& host) {
  std::string base = (host == "0.0.0.0" || host == "::" || host.empty()) ? "127.0.0.1" : host;
  for (char& c : base) {
    if (c == '.' || c == ':') c = '-';
  }
  return base + ".nip.io";
}

constexpr std::string_view kHubPrefix = "/hub";

bool under_hub(const std::string& path) {
  return path.rfind(kHubPrefix, 0) == 0 && (path.size() == kHubPrefix.size() || path[kHubPrefix.size()] == '/');
}

}  // namespace

struct ControlPlane::Impl {
  ControlPlaneOptions options;
  std::optional<SecretString> generated_password;
  std::unique_ptr<Store> store;
  std::unique_ptr<Executor> executor;
  std::unique_ptr<Controller> controller;
  std::unique_ptr<Ingress> ingress;
  std::unique_ptr<BlueprintsApi> api;
  std::unique_ptr<hub::MirrorService> mirror;
  std::unique_ptr<http::CorsPolicy> mirror_cors;
  std::unique_ptr<http::Server> server;
  std::string url;

  http::Response handle(const http::Request& request) {
    if (std::optional<http::Response> proxied = ingress->route(request)) return std::move(*proxied);
    if (mirror && under_hub(request.path)) return handle_hub(request);
    return api->handle(request);
  }

  // The mirror sees its own paths: "/hub/api/models/x" arrives as "/api/models/x".
  http::Response handle_hub(const http::Request& request) {
    http::Request inner = request;
    const std::string_view path = std::string_view(request.path).substr(kHubPrefix.size());
    const std::string_view target = std::string_view(request.target).substr(kHubPrefix.size());
    inner.path = path.empty() ? "/" : std::string(path);
    inner.target = target.starts_with('/') ? std::string(target) : std::string("/").append(target);
    if (std::optional<http::Response> preflight = mirror_cors->preflight(inner)) return std::move(*preflight);
    http::Response response = mirror->handle(inner);
    mirror_cors->apply(inner, response);
    return response;
  }
};

ControlPlane::ControlPlane(ControlPlaneOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& impl = *impl_;
  impl.options = std::move(options);
  ControlPlaneOptions& opts = impl.options;
  if (opts.public_base.empty()) opts.public_base = default_public_base(opts.host);
  if (opts.executor != "local" && opts.executor != "kubernetes") {
    throw Error(ErrorCode::invalid_argument, "--executor must be 'local' or 'kubernetes', not '" + opts.executor + "'");
  }
  impl.store = std::make_unique<Store>(opts.data_dir, Vault::open(opts.data_dir));
  impl.generated_password = impl.store->ensure_admin(opts.admin_password);
  if (impl.generated_password && opts.admin_password) impl.generated_password.reset();

  http::ServerOptions server_options;
  server_options.host = opts.host;
  server_options.port = opts.port;
  server_options.threads = opts.threads > 0 ? opts.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  server_options.busy_poll = opts.busy_poll;
  impl.server = std::make_unique<http::Server>(server_options, [&impl](const http::Request& request) {
    return impl.handle(request);
  });
  const bool ipv6 = opts.host.find(':') != std::string::npos;
  const std::string listen_host = (opts.host == "0.0.0.0" || opts.host == "::") ? "127.0.0.1" : opts.host;
  impl.url = "http://" + (ipv6 && listen_host != "127.0.0.1" ? "[" + listen_host + "]" : listen_host) + ":" +
             std::to_string(impl.server->port());

  EventSink events = [&impl](const LifecycleEvent& event) {
    if (impl.controller) impl.controller->record_event(event);
  };
  if (opts.executor == "local") {
    LocalExecutorOptions local;
    local.gatehouse_binary = opts.gatehouse_binary;
    local.work_dir = opts.data_dir / "deployments";
    local.events = events;
    impl.executor = std::make_unique<LocalExecutor>(std::move(local));
  } else {
    KubernetesExecutorOptions kube;
    if (!opts.kube_context.empty()) kube.context = opts.kube_context;
    kube.manifests.namespace_name = opts.kube_namespace;
    kube.manifests.base_domain = opts.public_base;
    kube.events = events;
    impl.executor = std::make_unique<KubernetesExecutor>(std::move(kube));
  }
  impl.ingress = std::make_unique<Ingress>(*impl.executor);
  ControllerOptions controller_options;
  controller_options.public_base = opts.public_base;
  controller_options.local_url = impl.url;
  if (opts.poll_interval) {
    controller_options.poll_interval = *opts.poll_interval;
  } else if (opts.executor == "kubernetes") {
    controller_options.poll_interval = std::chrono::seconds(5);
  }
  controller_options.on_reconciled = [&impl](const std::vector<DeploymentRecord>& all) { impl.ingress->update(all); };
  impl.controller = std::make_unique<Controller>(*impl.store, *impl.executor, std::move(controller_options));
  impl.ingress->update(impl.store->list_deployments());

  if (!opts.hub_root.empty()) {
    auto repos = std::make_shared<hub::RepoStore>(opts.hub_root);
    hub::AccessPolicy policy = opts.hub_access.empty() ? hub::AccessPolicy() : hub::AccessPolicy::load(opts.hub_access);
    hub::MirrorOptions mirror_options;
    mirror_options.public_url = impl.url + std::string(kHubPrefix);
    impl.mirror = std::make_unique<hub::MirrorService>(repos, nullptr, std::move(policy), std::move(mirror_options));
    impl.mirror_cors = std::make_unique<http::CorsPolicy>(hub::mirror_cors_options());
  }
  ApiOptions api_options;
  api_options.public_url = impl.url;
  api_options.hub_url = hub_url();
  impl.api = std::make_unique<BlueprintsApi>(*impl.store, *impl.controller, std::move(api_options));
}

ControlPlane::~ControlPlane() {
  // The server first (no new requests), then the API's log followers, the controller, and the
  // workloads with the executor.
  impl_->server.reset();
  impl_->api.reset();
  impl_->controller.reset();
  impl_->ingress.reset();
  impl_->executor.reset();
}

uint16_t ControlPlane::port() const { return impl_->server->port(); }
std::string ControlPlane::url() const { return impl_->url; }
std::string ControlPlane::hub_url() const { return impl_->mirror || !impl_->options.hub_root.empty() ? impl_->url + std::string(kHubPrefix) : ""; }
const std::string& ControlPlane::public_base() const { return impl_->options.public_base; }
const std::optional<SecretString>& ControlPlane::generated_admin_password() const { return impl_->generated_password; }
http::Server& ControlPlane::server() { return *impl_->server; }

void ControlPlane::ensure_secret(const std::string& name, const std::string& key, const SecretString& value) {
  if (impl_->store->find_secret(name)) return;
  SecretOperation operation{.name = name, .action = SecretAction::create, .type = "opaque", .data = {}};
  operation.data.emplace(key, value);
  for (const SecretResult& result : impl_->store->apply_secret_operations({operation})) {
    if (!result.success) throw Error(ErrorCode::internal, result.message);
  }
}

std::string ControlPlane::ensure_deployment(const std::string& recipe_json) {
  boost::json::value recipe = json::parse(recipe_json, "recipe");
  const std::string name(recipe.as_object().at("deployment_name").as_string());
  for (const DeploymentRecord& record : impl_->store->list_deployments()) {
    if (record.deployment_name == name && record.directive == "commission") return record.uuid;
  }
  return impl_->controller->deploy(recipe).deployments.front().uuid;
}

void ControlPlane::start() { impl_->controller->start(); }

}  // namespace gatehouse::control
