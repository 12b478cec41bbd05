// Where a local replica's files and environment come from.
//
// Mounts: a container sees volumes at mount locations; a local process sees the machine's files.
// Each mount location of the recipe gets a folder on this machine:
//   local_filesystem[i]                  mount_location -> node_directory_path (the host path itself)
//   input_object_storage[i], output_object_storage[i], input_file_system[i]
//                                        mount_location -> <workspace>/volumes/<location as a name>
//                                        ("/models" -> volumes/models, "/data/in" -> volumes/data-in),
//                                        empty at start: nothing is copied from or to OCI storage.
// The rule for rewriting: an argument or environment value that is a mount location, or starts with
// one followed by '/', has that prefix replaced by the folder (the longest location wins); so does
// the value of "--flag=VALUE". `--local-dir /models/x` thus writes inside the deployment's
// workspace, not at /models. Other text is left as it is.
//
// Environment: the control plane's own environment minus what must not leak into a deployment
// (the master key, the admin password, any GATEHOUSE_ variable naming a token, password, key or
// secret, and every Hub token variable: the token reaches a replica only from a recipe secret),
// then recipe_container_env, then each recipe_environment_secrets entry (later entries win).
// HF_TOKEN_PATH points into the workspace so that a token saved by `gatehouse login` is not read.
// Plain functions; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/secret_string.h"
#include "control/executor.h"

namespace gatehouse::control {

struct Mount {
  std::string location;  // as the recipe gives it, "/models"
  std::filesystem::path folder;
};

// The recipe's mounts, longest location first. Creates nothing.
std::vector<Mount> local_mounts(const Recipe& recipe, const std::filesystem::path& workspace);
std::string rewrite_mount_paths(std::string_view value, const std::vector<Mount>& mounts);

// One variable of the container's environment; secrets keep their value out of prints.
struct ContainerVariable {
  std::string key;
  SecretString value;
  bool secret = false;
};

// recipe_container_env then each recipe_environment_secrets entry, valued from workload.secrets.
// Throws Error(not_found) naming the secret and key (never a value) when one is missing.
std::vector<ContainerVariable> container_environment(const Workload& workload);

// The last value of `key` in `variables`, or nullptr.
const ContainerVariable* find_variable(const std::vector<ContainerVariable>& variables, std::string_view key);

// True for a variable of the control plane's environment that a deployment must not inherit.
bool is_withheld_variable(std::string_view name);

// The child's whole environment ("KEY=value"), built as the header says from `inherited`
// (the control plane's environ) and the container's variables.
std::vector<std::string> child_environment(const char* const* inherited, const std::vector<ContainerVariable>& variables,
                                           const std::filesystem::path& workspace);

}  // namespace gatehouse::control
