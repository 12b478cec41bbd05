// `gatehouse gateway --config gateway.yaml`: LiteLLM's proxy, one OpenAI API over the deployments
// the config lists (src/gateway/proxy).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "base/log.h"
#include "base/worker_pool.h"
#include "cli/busy_poll_option.h"
#include "cli/commands.h"
#include "cli/control_secrets.h"
#include "cli/data_dir.h"
#include "cli/serve_until_signal.h"
#include "gateway/config/gateway_config.h"
#include "gateway/keys/key_api.h"
#include "gateway/proxy/proxy_server.h"
#include "gateway/router/router.h"
#include "api/error_envelope.h"
#include "http/error_status.h"
#include "http/server.h"

namespace gatehouse::cli {
namespace {

namespace fs = std::filesystem;

struct GatewayOptions {
  std::string config;
  std::string host = "0.0.0.0";
  uint16_t port = 4000;  // LiteLLM's
  std::string data_dir;
  std::string control_data_dir;  // where api_key_secret's secrets are read; empty: none
  int threads = 2;
  std::chrono::microseconds busy_poll{0};
  int workers = 256;
  size_t max_queue = 1024;
  size_t max_body_bytes = 16u << 20;
};

int run_gateway(const GatewayOptions& options) {
  const gateway::GatewayConfig config = gateway::load_gateway_config(
      options.config, options.control_data_dir.empty() ? gateway::SecretLookup{} : control_plane_secrets(options.control_data_dir));
  for (const std::string& setting : config.ignored_settings) {
    std::fprintf(stderr, "gateway: %s: %s is not implemented and has no effect\n", config.file.c_str(), setting.c_str());
  }
  gateway::Router router(config.deployments, config.router);
  std::unique_ptr<gateway::KeyStore> keys;
  std::unique_ptr<gateway::KeyApi> key_api;
  if (config.master_key) {
    const fs::path data_dir = options.data_dir.empty() ? default_data_dir() : fs::path(options.data_dir);
    fs::create_directories(data_dir);
    keys = std::make_unique<gateway::KeyStore>((data_dir / "gateway.db").string());
    key_api = std::make_unique<gateway::KeyApi>(*keys, *config.master_key);
  }
  auto pool = std::make_unique<WorkerPool>(options.workers, options.max_queue);
  gateway::ProxyServer proxy(config, router, keys.get(), key_api.get(), *pool);

  http::ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.threads = options.threads;
  server_options.busy_poll = options.busy_poll;
  server_options.max_body_bytes = options.max_body_bytes;
  server_options.max_body_flag = "--max-body-bytes";
  server_options.error_response = [](int status, const std::string& message) { return api::openai_error_response(status, message); };
  http::Server server(server_options, [&proxy](const http::Request& request) { return proxy.handle(request); });

  GH_LOG(info) << "gateway: " << config.file << ": " << config.deployments.size() << " deployments of " << router.model_names().size()
               << " models, " << options.workers << " workers" << (config.master_key ? ", master key and virtual keys on" : ", no key required");
  // Tests and scripts read the address from this line.
  std::printf("listening on http://%s:%u\n", options.host.c_str(), unsigned(server.port()));
  std::fflush(stdout);
  serve_until_signal(server);
  // The calls still running end (their upstreams see their connections close) and the pool joins
  // its threads while the proxy they use still exists.
  proxy.stop();
  pool.reset();
  return 0;
}

}  // namespace

void add_gateway_command(CLI::App& app, Handler& handler) {
  auto options = std::make_shared<GatewayOptions>();
  CLI::App* command = app.add_subcommand("gateway", "Run the LLM gateway: one OpenAI API over the deployments of a LiteLLM-style config");
  command->add_option("--config", options->config, "The config file (LiteLLM's format: model_list, router_settings, general_settings)")
      ->required();
  command->add_option("--host", options->host, "Address to listen on (default: all interfaces)");
  command->add_option("--port", options->port, "Port to listen on (default 4000; 0: any free port)");
  command->add_option("--data-dir", options->data_dir, "Where virtual keys are stored (default: ~/.local/share/gatehouse)");
  command->add_option("--control-data-dir", options->control_data_dir,
                      "The --data-dir of gatehouse up, whose secrets litellm_params.api_key_secret names (read only)");
  command->add_option("--threads", options->threads, "HTTP event-loop threads (default 2)")->check(CLI::Range(1, 64));
  add_busy_poll_option(*command, options->busy_poll);
  command->add_option("--workers", options->workers, "Upstream calls in progress at most, streams included (default 256)")
      ->check(CLI::Range(1, 4096));
  command->add_option("--max-queue", options->max_queue, "Calls waiting for a worker at most; more get 429 (default 1024)")
      ->check(CLI::Range(size_t{0}, size_t{1} << 20));
  command->add_option("--max-body-bytes", options->max_body_bytes, "Largest request body accepted (default 16 MiB)");
  command->callback([&handler, options] { handler = [options] { return run_gateway(*options); }; });
}

}  // namespace gatehouse::cli
