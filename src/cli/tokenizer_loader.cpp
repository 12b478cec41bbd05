#include "cli/tokenizer_loader.h"

#include <filesystem>

#include "hub/client.h"

namespace gatehouse::cli {

std::filesystem::path model_folder(const std::string& source, const std::vector<std::string>& include) {
  std::error_code ec;
  if (std::filesystem::is_directory(source, ec)) return source;
  hub::RepoId repo = hub::RepoId::parse(source);
  hub::HubClient client(hub::HubClientOptions::from_environment(std::nullopt));
  return client.snapshot(repo, "main", {include, {}});
}

tokenizer::Tokenizer load_tokenizer(const std::string& source) {
  return tokenizer::Tokenizer::from_directory(model_folder(source, kTokenizerFiles));
}

}  // namespace gatehouse::cli
