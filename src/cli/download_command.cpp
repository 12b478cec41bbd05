// gatehouse download / login / whoami: the Hub client from the shell, like `hf download`,
// `hf auth login` and `hf auth whoami`.
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "base/error.h"
#include "base/json.h"
#include "cli/commands.h"
#include "cli/secret_options.h"
#include "cli/line_io.h"
#include "http/client.h"
#include "hub/client.h"
#include "hub/hub_errors.h"
#include "hub/token.h"

namespace gatehouse::cli {
namespace {

namespace fs = std::filesystem;

struct DownloadOptions {
  std::string repo;
  std::vector<std::string> files;
  std::string revision = "main";
  std::vector<std::string> include, exclude;
  std::string repo_type = "model";
  std::string local_dir, cache_dir, token;
  int max_workers = 8;
  std::optional<double> retry_window;  // seconds
  bool quiet = false;
};

hub::HubClientOptions client_options(const std::string& token, const std::string& cache_dir, bool quiet) {
  hub::HubClientOptions options =
      hub::HubClientOptions::from_environment(token.empty() ? std::nullopt : std::optional<std::string>(token));
  if (!cache_dir.empty()) options.cache_root = cache_dir;
  if (quiet) options.progress = false;
  return options;
}

// Copies a downloaded file to --local-dir as a real file, keeping its path in the repo.
void place_in_local_dir(const fs::path& cached, const fs::path& local_dir, const std::string& relative) {
  fs::path target = local_dir / relative;
  fs::create_directories(target.parent_path());
  fs::copy_file(fs::canonical(cached), target, fs::copy_options::overwrite_existing);
}

int run_download(const DownloadOptions& options) {
  hub::RepoId repo = hub::RepoId::parse(options.repo, hub::parse_repo_type(options.repo_type));
  hub::HubClientOptions client_options_value = client_options(options.token, options.cache_dir, options.quiet);
  client_options_value.max_workers = options.max_workers;
  if (options.retry_window) {
    client_options_value.retry_window = std::chrono::milliseconds(int64_t(*options.retry_window * 1000));
  }
  hub::HubClient client(client_options_value);
  fs::path result;
  if (!options.files.empty()) {
    for (const std::string& file : options.files) {
      result = client.download_file(repo, options.revision, file);
      if (!options.local_dir.empty()) place_in_local_dir(result, options.local_dir, file);
    }
    if (options.files.size() > 1) {  // like hf download: the snapshot folder for several files
      fs::path last(options.files.back());
      for (auto part = last.begin(); part != last.end(); ++part) result = result.parent_path();
    }
  } else {
    result = client.snapshot(repo, options.revision, {options.include, options.exclude});
    if (!options.local_dir.empty()) {
      for (const auto& entry : fs::recursive_directory_iterator(result)) {
        // Lexically: the entries are symlinks into blobs/, which fs::relative would follow.
        if (!entry.is_directory()) {
          place_in_local_dir(entry.path(), options.local_dir, entry.path().lexically_relative(result).generic_string());
        }
      }
    }
  }
  if (!options.local_dir.empty()) result = fs::absolute(options.local_dir);
  write_out(result.string() + "\n");
  return 0;
}

// GET /api/whoami-v2 with the token; the account's name.
std::string whoami(const hub::HubClientOptions& options) {
  if (!options.token) {
    throw Error(ErrorCode::unauthenticated, "no token: set HF_TOKEN or run gatehouse login");
  }
  http::HttpClient http;
  http::ClientRequest request;
  request.url = options.endpoint + "/api/whoami-v2";
  request.bearer_token = options.token;
  http::ClientResponse response = http.send(request);
  if (response.status == 401) {
    throw Error(ErrorCode::unauthenticated, "the Hub at " + options.endpoint + " rejected the token (invalid or revoked)");
  }
  if (response.status >= 400) {
    throw Error(ErrorCode::unavailable, "the Hub at " + options.endpoint + " answered " + std::to_string(response.status) +
                                            " to whoami");
  }
  boost::json::value body = json::parse(response.body, "whoami answer");
  json::JsonPath where("whoami answer");
  return std::string(json::as_string(json::require(json::as_object(body, where), "name", where), where / "name"));
}

}  // namespace

void add_download_command(CLI::App& app, Handler& handler) {
  auto options = std::make_shared<DownloadOptions>();
  CLI::App* command = app.add_subcommand("download", "Download a repo snapshot or files into the Hugging Face cache");
  command->add_option("repo", options->repo, "Repo id, e.g. meta-llama/Llama-3.2-1B")->required();
  command->add_option("files", options->files, "Files to download (default: the whole snapshot)");
  command->add_option("--revision", options->revision, "Branch, tag or commit");
  command->add_option("--include", options->include, "Glob of files to download (repeatable)");
  command->add_option("--exclude", options->exclude, "Glob of files to skip (repeatable)");
  command->add_option("--repo-type", options->repo_type, "model, dataset or space")
      ->check(CLI::IsMember({"model", "dataset", "space"}));
  command->add_option("--local-dir", options->local_dir, "Also copy the files into this folder");
  command->add_option("--cache-dir", options->cache_dir, "Cache root (default: HF_HUB_CACHE or ~/.cache/huggingface/hub)");
  add_secret_option(*command, "--token", options->token, "Token (prefer HF_TOKEN: command lines are visible to other users)");
  command->add_option("--max-workers", options->max_workers, "Parallel downloads")->check(CLI::Range(1, 64));
  command->add_option("--retry-window", options->retry_window,
                      "Seconds to keep retrying while the Hub sends nothing (network errors, 408, 429, 5xx); then "
                      "give up, keeping the partial file for the next run to continue (default: "
                      "GATEHOUSE_HUB_RETRY_WINDOW or 20)")
      ->check(CLI::Range(0.0, 86400.0));
  command->add_flag("--quiet", options->quiet, "No progress display");
  command->callback([options, &handler] { handler = [options] { return run_download(*options); }; });

  CLI::App* login = app.add_subcommand("login", "Save a Hugging Face token where huggingface_hub looks for it");
  login->callback([&handler] {
    handler = [] {
      std::optional<SecretString> token = hub::clean_token(read_hidden_line("Hugging Face token (input is hidden): "));
      if (!token) throw Error(ErrorCode::invalid_argument, "no token given on standard input");
      hub::store_token(*token);
      std::fprintf(stderr, "token saved to %s\n", hub::token_path().c_str());
      return 0;
    };
  });

  CLI::App* who = app.add_subcommand("whoami", "Show the account the token belongs to");
  who->callback([&handler] {
    handler = [] {
      write_out(whoami(client_options("", "", true)) + "\n");
      return 0;
    };
  });
}

}  // namespace gatehouse::cli
