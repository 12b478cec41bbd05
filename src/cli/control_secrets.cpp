#include "cli/control_secrets.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "base/error.h"
#include "control/store.h"
#include "control/vault.h"

namespace gatehouse::cli {
namespace {

namespace fs = std::filesystem;

std::string key_list(const control::ResolvedSecret& secret) {
  std::string out;
  for (const auto& [key, value] : secret.data) out += (out.empty() ? "" : ", ") + key;
  return out;
}

}  // namespace

gateway::SecretLookup control_plane_secrets(const fs::path& data_dir) {
  const std::string hint = "; pass the --data-dir of gatehouse up as --control-data-dir";
  std::error_code ec;
  if (!fs::is_regular_file(data_dir / "gatehouse.db", ec))
    throw Error(ErrorCode::not_found, "--control-data-dir " + data_dir.string() + " holds no control-plane database (gatehouse.db)" + hint);
  // Vault::open would create a missing key file: a new key opens none of the stored secrets.
  if (std::getenv("GATEHOUSE_MASTER_KEY") == nullptr && !fs::is_regular_file(data_dir / "master.key", ec))
    throw Error(ErrorCode::not_found, "--control-data-dir " + data_dir.string() +
                                          " has no master.key and GATEHOUSE_MASTER_KEY is not set: the secrets cannot be opened; "
                                          "set GATEHOUSE_MASTER_KEY as gatehouse up has it");
  auto store = std::make_shared<control::Store>(data_dir, control::Vault::open(data_dir));
  return [store](const std::string& name, const std::string& data_key) -> std::optional<SecretString> {
    std::optional<control::ResolvedSecret> secret = store->resolve_secret(name);
    if (!secret) return std::nullopt;
    if (secret->data.empty()) throw Error(ErrorCode::invalid_argument, "the control-plane secret '" + name + "' holds no keys");
    if (data_key.empty()) {
      if (secret->data.size() == 1) return secret->data.begin()->second;
      throw Error(ErrorCode::invalid_argument, "the control-plane secret '" + name + "' has " + std::to_string(secret->data.size()) +
                                                   " keys (" + key_list(*secret) + "); name one as " + name + "/<key>");
    }
    auto found = secret->data.find(data_key);
    if (found == secret->data.end())
      throw Error(ErrorCode::not_found, "the control-plane secret '" + name + "' has no key '" + data_key + "'; its keys: " + key_list(*secret));
    return found->second;
  };
}

}  // namespace gatehouse::cli
