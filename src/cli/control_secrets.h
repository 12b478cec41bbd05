// The gateway's reader of control-plane secrets (`gatehouse gateway --control-data-dir DIR`): a
// gateway::SecretLookup over the store and vault of a `gatehouse up` data directory, so that
// `litellm_params.api_key_secret` can name a secret kept there. The gateway module does not depend
// on the control plane; this command-line glue links both. The lookup owns its open store and is
// meant for the config's load only; one thread at a time.
#pragma once

#include <filesystem>

#include "gateway/config/gateway_config.h"

namespace gatehouse::cli {

// Opens the store of `data_dir` (it must exist: nothing is created) with the vault's master key
// (GATEHOUSE_MASTER_KEY, else <data_dir>/master.key). The store is SQLite in WAL mode, so
// `gatehouse up` may be running on it; the lookup only reads. Throws Error naming the directory or
// the file when it is not a control plane's.
gateway::SecretLookup control_plane_secrets(const std::filesystem::path& data_dir);

}  // namespace gatehouse::cli
