#include "cli/tokenizer_loader.h"

#include <filesystem>

#include "hub/client.h"

namespace gatehouse::cli {

std::filesystem::path model_folder(const std::string& source, const std::vector<std::string>& include,
                                   const HubSource& hub) {
  std::error_code ec;
  if (std::filesystem::is_directory(source, ec)) return source;
  hub::RepoId repo = hub::RepoId::parse(source);
  hub::HubClientOptions options = hub::HubClientOptions::from_environment(hub.token);
  if (!hub.cache_dir.empty()) options.cache_root = hub.cache_dir;
  hub::HubClient client(std::move(options));
  return client.snapshot(repo, hub.revision, {include, {}});
}

tokenizer::Tokenizer load_tokenizer(const std::string& source) {
  return tokenizer::Tokenizer::from_directory(model_folder(source, kTokenizerFiles));
}

}  // namespace gatehouse::cli
