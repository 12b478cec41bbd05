// The Kubernetes objects a workload becomes: per secret it names a Secret, a Deployment (service) or
// Job (job), and for a service a Service and an nginx Ingress, all named and labelled as Blueprints
// names them (recipe-<canonical>, recipe-<canonical>-ingress, label app=recipe-<canonical>) in one
// namespace. Recipe fields the objects cannot express (OCI shapes, OCIDs, object storage, node
// pools, autoscaling) are not rendered; the digest reports them from Recipe::oci_only_fields.
//
// Secrets: each secret a workload names becomes its own copy, recipe-<canonical>-<secret name>,
// labelled with the workload's uuid, so that undeploying one workload never removes a Secret
// another one still reads. render_manifests() never holds a secret value (every value is
// kSecretPlaceholder); only apply_document() writes the values, into a SecretString that the
// executor hands to kubectl on stdin. Pure functions; thread-safe.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "base/secret_string.h"
#include "control/executor.h"

namespace gatehouse::control {

struct KubernetesOptions {
  std::string namespace_name = "default";
  // The ingress host is <canonical>.<base_domain> when the workload has no public_host and the
  // recipe no service_endpoint_domain; with neither, the Ingress has no host rule.
  std::string base_domain;
};

// Labels every object carries; stop() and status() select by the uuid label.
inline constexpr std::string_view kAppLabel = "app";
inline constexpr std::string_view kUuidLabel = "gatehouse.deployment-uuid";
// What render_manifests() writes in place of each secret value (base64 of nothing: valid Secret
// data, and visibly no value). The Secret carries kWithheldAnnotation to say so.
inline constexpr std::string_view kSecretPlaceholder = "";
inline constexpr std::string_view kWithheldAnnotation = "gatehouse.secret-values";

// Throws InvalidParameter naming the field when the recipe cannot become these objects: a mode
// other than service or job, no recipe_image_uri, a deployment_name whose slug is too long for a
// Service name (recipe-<slug> in 63 characters).
void check_kubernetes_recipe(const Recipe& recipe);

// recipe-<canonical>: the Deployment, Job, Service and pod label name.
std::string workload_object_name(const Workload& workload);
// The name of the workload's copy of a secret the recipe names.
std::string secret_object_name(const Workload& workload, std::string_view secret_name);

// The objects in apply order (Secrets, Deployment or Job, Service, Ingress), secret values
// withheld. Throws InvalidParameter naming the recipe field where check_kubernetes_recipe() would,
// for a canonical name too long, and for a malformed local_filesystem entry. A secret the recipe
// names but `workload.secrets` lacks is rendered as a reference only (`gatehouse render` has no vault).
std::vector<boost::json::object> render_manifests(const Workload& workload, const KubernetesOptions& options);

// The same objects as one v1 List, the input of `kubectl apply -f -`, with the Secrets' real values
// (opaque: each key; container_registry: .dockerconfigjson). Send it only through a pipe.
SecretString apply_document(const Workload& workload, const KubernetesOptions& options);

// Bytes as a Secret's data holds them (base64).
std::string secret_data_value(std::string_view bytes);

// A list of objects as the v1 List kubectl reads and prints.
boost::json::object object_list(std::vector<boost::json::object> items);

}  // namespace gatehouse::control
