// Finds the Hugging Face token the way huggingface_hub does (explicit, HF_TOKEN,
// HUGGING_FACE_HUB_TOKEN, then the token file) and stores it for `gatehouse login`. Tokens only
// ever travel as SecretString and never appear in error messages. Reads the environment, so call
// it while no other thread is changing the environment.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/secret_string.h"

namespace gatehouse::hub {

// $HF_TOKEN_PATH (with ~ and $VARS expanded), else $HF_HOME/token (see hf_home() in cache.h).
std::filesystem::path token_path();

// Removes every '\r' and '\n' and trims surrounding whitespace; nullopt when nothing is left.
std::optional<SecretString> clean_token(std::string_view raw);

// The first non-empty of: explicit_token, $HF_TOKEN, $HUGGING_FACE_HUB_TOKEN, the token file.
// A missing token file means no token; an unreadable one throws permission_denied naming the path.
std::optional<SecretString> resolve_token(const std::optional<std::string>& explicit_token);

// Writes the cleaned token to token_path() atomically with mode 0600 (parent folders created).
// Throws invalid_argument for an empty token.
void store_token(const SecretString& token);

}  // namespace gatehouse::hub
