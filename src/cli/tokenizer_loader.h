// Resolves the --tokenizer (and later --model) argument: a local folder, or a Hub repo id
// downloaded through the Hub client into the huggingface_hub cache (HF_ENDPOINT, HF_TOKEN and
// HF_HUB_OFFLINE apply).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace gatehouse::cli {

// The files a tokenizer needs from a repo.
inline const std::vector<std::string> kTokenizerFiles = {
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja"};

// The files a model needs from a repo.
inline const std::vector<std::string> kModelFiles = {"*.json", "*.safetensors", "*.jinja", "tokenizer.model"};

// Where and how a Hub repo is fetched: its revision, the cache folder (default: the
// huggingface_hub cache) and a token given on the command line (default: HF_TOKEN, the token file).
struct HubSource {
  std::string revision = "main";
  std::string cache_dir;
  std::optional<std::string> token;
};

// `source` itself when it is a folder, else the snapshot of the repo it names, limited to the
// files matching `include`.
std::filesystem::path model_folder(const std::string& source, const std::vector<std::string>& include,
                                   const HubSource& hub = {});

tokenizer::Tokenizer load_tokenizer(const std::string& source);

}  // namespace gatehouse::cli
