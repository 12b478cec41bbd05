#include "control/executors/local_environment.h"

#include <algorithm>
#include <array>

#include "base/error.h"

namespace gatehouse::control {
namespace {

std::string volume_name(std::string_view location) {
  std::string name;
  for (char c : location) {
    const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    if (plain) name.push_back(c);
    else if (!name.empty() && name.back() != '-') name.push_back('-');
  }
  while (!name.empty() && (name.back() == '-' || name.back() == '.')) name.pop_back();
  while (!name.empty() && name.front() == '.') name.erase(name.begin());
  return name.empty() ? "root" : name;
}

std::string string_field(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

}  // namespace

std::vector<Mount> local_mounts(const Recipe& recipe, const std::filesystem::path& workspace) {
  std::vector<Mount> mounts;
  for (std::string_view field : {"local_filesystem", "input_object_storage", "output_object_storage", "input_file_system"}) {
    const boost::json::value* list = recipe.raw.if_contains(field);
    if (!list || !list->is_array()) continue;
    for (const boost::json::value& entry : list->get_array()) {
      if (!entry.is_object()) continue;
      std::string location = string_field(entry.get_object(), "mount_location");
      while (location.size() > 1 && location.back() == '/') location.pop_back();
      if (location.empty() || location == "/") continue;  // a volume cannot stand for the whole machine
      const std::string host_path = string_field(entry.get_object(), "node_directory_path");
      std::filesystem::path folder = field == "local_filesystem" && !host_path.empty()
                                         ? std::filesystem::path(host_path)
                                         : workspace / "volumes" / volume_name(location);
      mounts.push_back(Mount{std::move(location), std::move(folder)});
    }
  }
  std::stable_sort(mounts.begin(), mounts.end(), [](const Mount& a, const Mount& b) { return a.location.size() > b.location.size(); });
  return mounts;
}

std::string rewrite_mount_paths(std::string_view value, const std::vector<Mount>& mounts) {
  size_t start = 0;
  if (value.starts_with("--")) {
    const size_t equals = value.find('=');
    if (equals != std::string_view::npos) start = equals + 1;
  }
  const std::string_view path = value.substr(start);
  for (const Mount& mount : mounts) {
    if (!path.starts_with(mount.location)) continue;
    if (path.size() > mount.location.size() && path[mount.location.size()] != '/') continue;
    return std::string(value.substr(0, start)) + mount.folder.string() + std::string(path.substr(mount.location.size()));
  }
  return std::string(value);
}

std::vector<ContainerVariable> container_environment(const Workload& workload) {
  std::vector<ContainerVariable> variables;
  for (const EnvVar& var : workload.recipe.env) variables.push_back(ContainerVariable{var.key, SecretString(var.value), false});
  for (const EnvSecret& entry : workload.recipe.env_secrets) {
    auto secret = std::find_if(workload.secrets.begin(), workload.secrets.end(),
                               [&](const ResolvedSecret& s) { return s.name == entry.secret_name; });
    if (secret == workload.secrets.end()) {
      throw Error(ErrorCode::not_found, "recipe_environment_secrets: " + entry.envvar_name + " comes from the secret '" +
                                            entry.secret_name + "', which does not exist: create it with POST /secrets/");
    }
    auto value = secret->data.find(entry.secret_key);
    if (value == secret->data.end()) {
      throw Error(ErrorCode::not_found, "recipe_environment_secrets: " + entry.envvar_name + " comes from the key '" +
                                            entry.secret_key + "' of the secret '" + entry.secret_name +
                                            "', which has no such key: add it with PUT /secrets/");
    }
    variables.push_back(ContainerVariable{entry.envvar_name, value->second, true});
  }
  return variables;
}

const ContainerVariable* find_variable(const std::vector<ContainerVariable>& variables, std::string_view key) {
  for (auto variable = variables.rbegin(); variable != variables.rend(); ++variable) {
    if (variable->key == key) return &*variable;
  }
  return nullptr;
}

bool is_withheld_variable(std::string_view name) {
  static constexpr std::array kHubTokens = {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_API_KEY", "HUGGINGFACEHUB_API_TOKEN",
                                            "HF_API_TOKEN", "VLLM_API_KEY", "HF_TOKEN_PATH"};
  if (std::find(kHubTokens.begin(), kHubTokens.end(), name) != kHubTokens.end()) return true;
  if (!name.starts_with("GATEHOUSE_")) return false;
  for (std::string_view word : {"TOKEN", "PASSWORD", "KEY", "SECRET"}) {
    if (name.find(word) != std::string_view::npos) return true;
  }
  return false;
}

std::vector<std::string> child_environment(const char* const* inherited, const std::vector<ContainerVariable>& variables,
                                           const std::filesystem::path& workspace) {
  std::vector<std::pair<std::string, std::string>> entries;
  auto set = [&](const std::string& key, const std::string& value) {
    auto existing = std::find_if(entries.begin(), entries.end(), [&](const auto& entry) { return entry.first == key; });
    if (existing != entries.end()) existing->second = value;
    else entries.emplace_back(key, value);
  };
  for (const char* const* entry = inherited; entry && *entry; ++entry) {
    const std::string_view text(*entry);
    const size_t equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0) continue;
    const std::string key(text.substr(0, equals));
    if (!is_withheld_variable(key)) set(key, std::string(text.substr(equals + 1)));
  }
  set("HF_TOKEN_PATH", (workspace / "hf-token-unused").string());
  for (const ContainerVariable& variable : variables) set(variable.key, variable.value.reveal());
  std::vector<std::string> out;
  out.reserve(entries.size());
  for (const auto& [key, value] : entries) out.push_back(key + "=" + value);
  return out;
}

}  // namespace gatehouse::control
