// gatehouse hub serve: a Hub-compatible mirror of a root folder of repos (docs/hub.md).
#include <cstdio>
#include <memory>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/serve_until_signal.h"
#include "hub/mirror/mirror_service.h"
#include "hub/mirror/upstream_source.h"

namespace gatehouse::cli {
namespace {

struct HubServeOptions {
  std::string root;
  std::string access;
  std::string upstream;
  std::string cache_dir;
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 8;
  std::string public_url;
  bool trust_proxy_headers = false;
};

// http://host:port of the listening socket, brackets around an IPv6 address.
std::string listening_url(const std::string& host, uint16_t port) {
  bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

void add_hub_command(CLI::App& app, Handler& handler) {
  CLI::App* hub = app.add_subcommand("hub", "Hugging Face Hub tools");
  hub->require_subcommand(1);
  auto options = std::make_shared<HubServeOptions>();
  CLI::App* serve = hub->add_subcommand("serve", "Serve a folder of repos with the Hub's HTTP API");
  serve->add_option("--root", options->root, "Folder of repos: <org>/<name>/, datasets/<org>/<name>/, spaces/<org>/<name>/")
      ->required();
  serve->add_option("--access", options->access, "Access policy JSON: public and gated repo globs, tokens (docs/hub.md)");
  serve->add_option("--upstream", options->upstream,
                    "Pull repos missing from the root through from this Hub, with the mirror's HF_TOKEN");
  serve->add_option("--cache-dir", options->cache_dir, "Where pulled-through files are kept (default: HF_HUB_CACHE)");
  serve->add_option("--host", options->host, "Address to listen on");
  serve->add_option("--port", options->port, "Port to listen on (0: any free port)");
  serve->add_option("--threads", options->threads, "Server threads")->check(CLI::Range(1, 256));
  serve->add_option("--public-url", options->public_url,
                    "URL clients reach the mirror at, with any path prefix a proxy adds (e.g. https://example.com/hub); "
                    "absolute URLs in answers (pagination links) start with it. Default: the listening address");
  serve->add_flag("--trust-proxy-headers", options->trust_proxy_headers,
                  "Build absolute URLs from X-Forwarded-Proto and X-Forwarded-Host (only behind a proxy that sets them)");
  serve->callback([options, &handler] {
    handler = [options] {
      auto store = std::make_shared<hub::RepoStore>(options->root);
      hub::AccessPolicy policy = options->access.empty() ? hub::AccessPolicy() : hub::AccessPolicy::load(options->access);
      std::shared_ptr<const hub::RepoSource> upstream;
      if (!options->upstream.empty()) {
        hub::HubClientOptions client = hub::HubClientOptions::from_environment(std::nullopt);
        client.endpoint = options->upstream;
        while (!client.endpoint.empty() && client.endpoint.back() == '/') client.endpoint.pop_back();
        if (!options->cache_dir.empty()) client.cache_root = options->cache_dir;
        GH_LOG(info) << "hub mirror: pulling through from " << client.endpoint << " into " << client.cache_root.string()
                     << (client.token ? " with the mirror's token" : " without a token");
        upstream = std::make_shared<hub::UpstreamSource>(std::move(client));
      }
      if (!options->public_url.empty()) hub::normalize_public_url(options->public_url);  // fail before binding
      http::ServerOptions server_options;
      server_options.host = options->host;
      server_options.port = options->port;
      server_options.threads = options->threads;
      server_options.cors = std::make_shared<http::CorsPolicy>(hub::mirror_cors_options());
      // The service is made once the port is known (the default public URL names it); the server
      // calls the handler only from run(), after that.
      std::shared_ptr<const hub::MirrorService> service;
      http::Server server(server_options, [&service](const http::Request& request) { return service->handle(request); });
      hub::MirrorOptions mirror_options;
      mirror_options.public_url =
          options->public_url.empty() ? listening_url(options->host, server.port()) : options->public_url;
      mirror_options.trust_proxy_headers = options->trust_proxy_headers;
      if (options->public_url.empty() && (options->host == "0.0.0.0" || options->host == "::")) {
        GH_LOG(warn) << "hub mirror: listening on all interfaces without --public-url; pagination links name "
                     << mirror_options.public_url << ", which other machines cannot reach: set --public-url";
      }
      service = std::make_shared<hub::MirrorService>(store, upstream, std::move(policy), std::move(mirror_options));
      GH_LOG(info) << "hub mirror: serving " << store->list().size() << " repos from " << options->root
                   << (options->access.empty() ? " (all public)" : " with access policy " + options->access);
      // Tests and scripts read the address from this line.
      std::printf("listening on http://%s:%u\n", options->host.c_str(), unsigned(server.port()));
      std::fflush(stdout);
      serve_until_signal(server);
      return 0;
    };
  });
}

}  // namespace gatehouse::cli
