// write_demo_repo, and `gatehouse demo-repo --out DIR [--seed N]`, a hidden subcommand that writes
// the demo repo on its own (what the tests check against the Hugging Face clients).
#include "cli/demo_repo.h"

#include <memory>
#include <string_view>
#include <system_error>

#include "base/error.h"
#include "base/file.h"
#include "cli/commands.h"

namespace gatehouse::cli {

namespace {

// Replaces `path` atomically unless it already holds `contents`: a demo repo written before is left
// as it is, so starting again costs no disk writes (each atomic write syncs its file).
void write_if_changed(const std::filesystem::path& path, std::string_view contents) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec) && std::filesystem::file_size(path, ec) == contents.size() && !ec) {
    try {
      if (files::read_file(path) == contents) return;
    } catch (const Error&) {
      // Unreadable: replace it.
    }
  }
  files::write_file_atomic(path, contents);
}

}  // namespace

void write_demo_repo(const std::filesystem::path& dir, uint64_t seed) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw Error(ErrorCode::invalid_argument,
                "cannot create the demo repo folder " + dir.string() + ": " + ec.message() + "; choose another folder");
  }
  const demo::TokenizerFiles tokenizer = demo::make_tokenizer_files();
  write_if_changed(dir / "config.json", demo::make_config_json(tokenizer));
  write_if_changed(dir / "generation_config.json", demo::make_generation_config_json(tokenizer));
  write_if_changed(dir / "model.safetensors", demo::make_safetensors(tokenizer, seed));
  write_if_changed(dir / "tokenizer.json", tokenizer.tokenizer_json);
  write_if_changed(dir / "tokenizer_config.json", tokenizer.tokenizer_config_json);
  write_if_changed(dir / "special_tokens_map.json", tokenizer.special_tokens_map_json);
}

void add_demo_repo_command(CLI::App& app, Handler& handler) {
  struct Options {
    std::string out;
    uint64_t seed = 0;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("demo-repo", "Write the demo model repo (a tiny random Llama) into a folder");
  command->group("");  // internal: `gatehouse up` serves this repo itself
  command->add_option("--out", options->out, "Folder to write (created when missing)")->required();
  command->add_option("--seed", options->seed, "Seed of the random weights (default 0)")
      ->check(CLI::NonNegativeNumber);
  command->callback([options, &handler] {
    handler = [options] {
      write_demo_repo(options->out, options->seed);
      return 0;
    };
  });
}

}  // namespace gatehouse::cli
