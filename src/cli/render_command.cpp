// gatehouse render: the Kubernetes manifests a recipe becomes, as one v1 List that
// `kubectl apply -f -` reads. There is no vault here, so the recipe's secrets appear only as the
// references the pods use (secretKeyRef, imagePullSecrets); the control plane creates the Secrets.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "base/file.h"
#include "base/json.h"
#include "cli/commands.h"
#include "control/executors/kubernetes_manifests.h"
#include "control/recipe.h"

namespace gatehouse::cli {
namespace {

struct RenderOptions {
  std::string recipe_file;
  std::string base_domain = "localhost";
  std::string namespace_name = "default";
};

// The Secrets the recipe's pods read, and what they are called in the cluster.
void note_secrets(const control::Workload& workload) {
  std::vector<std::string> names;
  for (const control::EnvSecret& secret : workload.recipe.env_secrets) names.push_back(secret.secret_name);
  if (workload.recipe.container_secret_name) names.push_back(*workload.recipe.container_secret_name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const std::string& name : names) {
    std::fprintf(stderr, "note: secret '%s' is referenced as Secret %s, which the control plane creates from its vault\n",
                 name.c_str(), control::secret_object_name(workload, name).c_str());
  }
  if (!workload.recipe.oci_only_fields.empty()) {
    std::string fields;
    for (const std::string& field : workload.recipe.oci_only_fields) fields += (fields.empty() ? "" : ", ") + field;
    std::fprintf(stderr, "note: OCI-only fields not rendered: %s\n", fields.c_str());
  }
}

int run_render(const RenderOptions& options) {
  const std::string text = files::read_named_input(options.recipe_file, files::kConfigFileLimit);
  control::Workload workload;
  workload.recipe = control::parse_recipe(json::parse(text, options.recipe_file));
  workload.canonical_name = control::slug(workload.recipe.deployment_name);
  if (!options.base_domain.empty()) workload.public_host = workload.canonical_name + "." + options.base_domain;
  control::KubernetesOptions manifest_options;
  manifest_options.namespace_name = options.namespace_name;
  manifest_options.base_domain = options.base_domain;
  const boost::json::object list = control::object_list(control::render_manifests(workload, manifest_options));
  note_secrets(workload);
  std::cout << json::serialize(list) << '\n';
  return 0;
}

}  // namespace

void add_render_command(CLI::App& app, Handler& handler) {
  auto options = std::make_shared<RenderOptions>();
  CLI::App* command = app.add_subcommand("render", "Print the Kubernetes manifests of a Blueprints recipe (a v1 List)");
  command->add_option("recipe", options->recipe_file, "Recipe JSON file (the body of POST /deployment/)")->required();
  command->add_option("--base-domain", options->base_domain,
                      "Ingress host is <name>.<base-domain>; empty for an Ingress without a host rule")
      ->capture_default_str();
  command->add_option("--namespace", options->namespace_name, "Namespace of the objects")->capture_default_str();
  command->callback([options, &handler] { handler = [options] { return run_render(*options); }; });
}

}  // namespace gatehouse::cli
