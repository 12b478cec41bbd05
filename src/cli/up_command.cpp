// gatehouse up: the control plane (Blueprints API, ingress, executor, optional Hub mirror) on one
// port. With --demo it also serves a generated tiny model as a gated repo, stores the mirror's
// token as a secret and deploys a Blueprints recipe for it: the seed's flow, ready to try.
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "base/error.h"
#include "base/file.h"
#include "base/json.h"
#include "base/log.h"
#include "cli/busy_poll_option.h"
#include "cli/commands.h"
#include "cli/data_dir.h"
#include "cli/demo_repo.h"
#include "cli/serve_until_signal.h"
#include "control/control_plane.h"
#include "control/ids.h"

namespace gatehouse::cli {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;

struct UpOptions {
  control::ControlPlaneOptions plane;
  std::string data_dir;
  std::string hub_root;
  std::string hub_access;
  double poll_interval_s = 0;  // 0: the executor's default
  bool demo = false;
};

constexpr const char* kDemoRepo = "meta-llama/Llama-3.2-1B-Instruct";

// The demo's Hub: the tiny model as a gated repo, and an access file with one token allowed on it
// (made once, kept 0600 in the data directory). Returns the token.
SecretString prepare_demo_hub(const fs::path& demo_dir) {
  // Rewrites only files that differ: a repo left half-written, or by another version, is mended.
  write_demo_repo(demo_dir / "hub" / kDemoRepo, 0);
  const fs::path access = demo_dir / "access.json";
  if (!fs::exists(access)) {
    std::string token = "hf_demo" + control::new_id();  // hf_ and 34+ letters and digits
    bj::object policy{{"gated", bj::array{"meta-llama/*"}}, {"tokens", bj::object{{token, bj::array{"meta-llama/*"}}}}};
    files::write_file_atomic(access, json::serialize(policy), 0600);
  }
  const bj::value policy = json::parse(files::read_file(access, files::kConfigFileLimit), access.string());
  const json::JsonPath path(access.string());
  const bj::object& tokens =
      json::as_object(json::require(json::as_object(policy, path), "tokens", path), path / "tokens");
  if (tokens.empty()) throw Error(ErrorCode::invalid_argument, access.string() + " has no token; delete it to have a new one made");
  return SecretString(std::string(tokens.begin()->key()));
}

std::string demo_recipe(const std::string& hub_url, const fs::path& demo_dir) {
  bj::object recipe{
      {"recipe_id", "llm_inference_nvidia"},
      {"recipe_mode", "service"},
      {"deployment_name", "vllm-from-hf"},
      {"recipe_image_uri", "docker.io/vllm/vllm-openai:v0.9.1"},
      {"recipe_node_shape", "VM.GPU.A10.1"},
      {"recipe_replica_count", 1},
      {"recipe_container_port", "8000"},
      {"recipe_nvidia_gpu_count", 1},
      {"recipe_environment_secrets",
       bj::array{bj::object{{"envvar_name", "HF_TOKEN"}, {"secret_name", "hf-secret"}, {"secret_key", "hf-token"}}}},
      {"recipe_container_env", bj::array{bj::object{{"key", "HF_ENDPOINT"}, {"value", hub_url}},
                                         bj::object{{"key", "HF_HUB_CACHE"}, {"value", (demo_dir / "hf-cache").string()}}}},
      {"recipe_container_command_args",
       bj::array{"--model", kDemoRepo, "--max-model-len", "4096", "--gpu-memory-utilization", "0.95"}},
      {"recipe_readiness_probe_params", bj::object{{"endpoint_path", "/health"}, {"port", 8000}}},
  };
  return json::serialize(recipe);
}

void print_welcome(const control::ControlPlane& plane, bool demo, bool password_from_env) {
  const std::string url = plane.url();
  std::printf("gatehouse up: listening on %s\n", url.c_str());
  std::printf("  Blueprints API   %s/\n", url.c_str());
  if (!plane.hub_url().empty()) std::printf("  Hub mirror       %s (HF_ENDPOINT)\n", plane.hub_url().c_str());
  std::printf("  deployments      http://<deployment>.%s:%u/ or %s/deployments/<deployment>/\n",
              plane.public_base().c_str(), unsigned(plane.port()), url.c_str());
  if (const auto& password = plane.generated_admin_password()) {
    // Printed this once: only its hash is kept.
    std::printf("  login            admin / %s   (shown once; set GATEHOUSE_ADMIN_PASSWORD to choose it)\n",
                password->reveal().c_str());
  } else {
    std::printf("  login            admin / %s\n", password_from_env ? "$GATEHOUSE_ADMIN_PASSWORD" : "the password printed on first start");
  }
  // The password goes to curl on its standard input, not its command line (which `ps` shows).
  std::printf("\n  read -rs PASSWORD   # the admin password\n");
  std::printf("  TOKEN=$(printf %%s \"$PASSWORD\" | curl -s --data-urlencode username=admin --data-urlencode password@- "
              "%s/login/ | jq -r .token)\n",
              url.c_str());
  std::printf("  curl -H \"Authorization: Token $TOKEN\" %s/deployment/\n", url.c_str());
  if (demo) {
    std::printf("  curl %s/deployments/vllm-from-hf/v1/chat/completions -H 'Content-Type: application/json' \\\n"
                "    -d '{\"model\": \"%s\", \"messages\": [{\"role\": \"user\", \"content\": \"Can you write me a song?\"}], "
                "\"max_tokens\": 40}'\n",
                url.c_str(), kDemoRepo);
    std::printf("  (or http://vllm-from-hf.%s:%u/v1/chat/completions where nip.io resolves)\n", plane.public_base().c_str(),
                unsigned(plane.port()));
  }
  std::printf("\nCtrl-C stops the control plane and its deployments; the next start brings them back.\n");
  std::fflush(stdout);
}

}  // namespace

void add_up_command(CLI::App& app, Handler& handler) {
  auto options = std::make_shared<UpOptions>();
  CLI::App* up = app.add_subcommand("up", "Run the control plane: Blueprints API, deployments, ingress (docs/control.md)");
  up->add_option("--host", options->plane.host, "Address to listen on");
  up->add_option("--port", options->plane.port, "Port of the API and the ingress (0: any free port)");
  up->add_option("--data-dir", options->data_dir, "Database, master key and deployments' files (default: ~/.local/share/gatehouse)");
  up->add_option("--executor", options->plane.executor, "Where deployments run: local (child processes) or kubernetes (kubectl)")
      ->check(CLI::IsMember({"local", "kubernetes"}));
  up->add_option("--public-base", options->plane.public_base,
                 "Host base of deployments' endpoints: <deployment>.<base> (default: <host>.nip.io with dashes)");
  up->add_option("--hub-root", options->hub_root, "Serve this folder of repos as a Hub mirror under /hub");
  up->add_option("--hub-access", options->hub_access, "Access policy of the mirror (as gatehouse hub serve --access)");
  up->add_option("--threads", options->plane.threads, "Server threads (default: one per CPU)")->check(CLI::Range(0, 256));
  add_busy_poll_option(*up, options->plane.busy_poll);
  up->add_option("--kube-context", options->plane.kube_context, "kubectl context for --executor kubernetes");
  up->add_option("--namespace", options->plane.kube_namespace, "Kubernetes namespace for --executor kubernetes");
  up->add_option("--poll-interval", options->poll_interval_s,
                 "Seconds between looks at running deployments (default: 0.05 local, 5 kubernetes, where each look "
                 "is a kubectl get)")
      ->check(CLI::Range(0.001, 3600.0));
  up->add_flag("--demo", options->demo,
               "Also serve a generated tiny model as the gated repo " + std::string(kDemoRepo) +
                   ", store the mirror's token as secret hf-secret and deploy a Blueprints recipe for it");
  up->callback([options, &handler] {
    handler = [options] {
      block_stop_signals();  // before any thread starts, so that Ctrl-C stops the server cleanly
      control::ControlPlaneOptions plane = options->plane;
      plane.data_dir = options->data_dir.empty() ? default_data_dir() : fs::path(options->data_dir);
      plane.gatehouse_binary = fs::read_symlink("/proc/self/exe");
      plane.hub_root = options->hub_root;
      plane.hub_access = options->hub_access;
      if (options->poll_interval_s > 0) {
        plane.poll_interval = std::chrono::milliseconds(std::llround(options->poll_interval_s * 1000));
      }
      const char* password = std::getenv("GATEHOUSE_ADMIN_PASSWORD");
      if (password && *password) plane.admin_password = SecretString(password);
      std::optional<SecretString> demo_token;
      const fs::path demo_dir = plane.data_dir / "demo";
      if (options->demo) {
        if (!plane.hub_root.empty() || !plane.hub_access.empty()) {
          throw Error(ErrorCode::invalid_argument, "--demo serves its own Hub mirror and token: leave out --hub-root and "
                                                   "--hub-access, or --demo");
        }
        demo_token = prepare_demo_hub(demo_dir);
        plane.hub_root = demo_dir / "hub";
        plane.hub_access = demo_dir / "access.json";
      }
      control::ControlPlane control_plane(std::move(plane));
      if (demo_token) {
        control_plane.ensure_secret("hf-secret", "hf-token", *demo_token);
        control_plane.ensure_deployment(demo_recipe(control_plane.hub_url(), demo_dir));
      }
      control_plane.start();
      print_welcome(control_plane, options->demo, password && *password);
      serve_until_signal(control_plane.server());
      return 0;
    };
  });
}

}  // namespace gatehouse::cli
