// gatehouse: one binary, one subcommand per capability (see docs/cli.md).
#include <malloc.h>

#include <csignal>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "base/error.h"
#include "base/version.h"
#include "cli/commands.h"
#include "cli/secret_options.h"

namespace {

// CLI11 answers an unknown first word with "A subcommand is required": name the word and the
// subcommands instead. The root's own options (--help, --version) take no value, so the first
// argument that is not an option is the subcommand.
void check_subcommand(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.starts_with('-')) continue;
    std::string names;
    for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
      if (command->check_name(word)) return;
      if (command->get_group().empty()) continue;  // hidden, as in --help
      names += (names.empty() ? "" : ", ") + command->get_name();
    }
    throw CLI::ExtrasError("unknown subcommand \"" + word + "\"; the subcommands are: " + names, CLI::ExitCodes::ExtrasError);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Keep freed memory for reuse instead of handing large blocks back to the OS at every free:
  // encoding a long text allocates a few large buffers per call, and on this kind of VM the page
  // faults of fresh memory cost more than the encoding itself.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  // A file-size limit (ulimit -f) or a full quota must fail the write with an error we report,
  // not kill the process halfway through a download.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"Gatehouse: run Hugging Face models, gated ones included, on your own machines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("gatehouse ") + gatehouse::kVersion);
  gatehouse::cli::Handler handler;
  gatehouse::cli::add_tokenize_command(app, handler);
  gatehouse::cli::add_detokenize_command(app, handler);
  gatehouse::cli::add_chat_template_command(app, handler);
  gatehouse::cli::add_hub_command(app, handler);
  gatehouse::cli::add_download_command(app, handler);
  gatehouse::cli::add_generate_command(app, handler);
  gatehouse::cli::add_bench_command(app, handler);
  gatehouse::cli::add_serve_command(app, handler);
  gatehouse::cli::add_up_command(app, handler);
  gatehouse::cli::add_gateway_command(app, handler);
  gatehouse::cli::add_secrets_command(app, handler);
  gatehouse::cli::add_deploy_commands(app, handler);
  gatehouse::cli::add_render_command(app, handler);
  gatehouse::cli::add_complete_command(app, handler);
  gatehouse::cli::add_demo_repo_command(app, handler);
  try {
    check_subcommand(app, argc, argv);
    app.parse(argc, argv);
    gatehouse::cli::hide_secret_arguments(app, argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  try {
    return handler ? handler() : 0;
  } catch (const gatehouse::Error& error) {
    std::fprintf(stderr, "gatehouse: error: %s\n", error.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "gatehouse: internal error: %s\n", error.what());
    return 2;
  }
}
