// gatehouse: one binary, one subcommand per capability (see docs/cli.md).
#include <malloc.h>

#include <csignal>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string_view>

#include "base/error.h"
#include "base/version.h"
#include "cli/commands.h"

namespace {

// Overwrites the values of secret flags in argv once they are parsed, so that process listings
// (ps, /proc/PID/cmdline) show "***" instead of the key: vLLM recipes pass --api-key on the
// command line.
void hide_secret_arguments(int argc, char** argv) {
  const std::string_view secret_flags[] = {"--api-key", "--hf-token", "--token"};
  for (int i = 1; i < argc; ++i) {
    std::string_view argument = argv[i];
    for (std::string_view flag : secret_flags) {
      char* value = nullptr;
      if (argument == flag && i + 1 < argc) {
        value = argv[i + 1];
      } else if (argument.size() > flag.size() && argument.substr(0, flag.size()) == flag && argument[flag.size()] == '=') {
        value = argv[i] + flag.size() + 1;
      }
      if (value) {
        for (char* c = value; *c; ++c) *c = c - value < 3 ? '*' : '\0';
      }
    }
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
  try {
    app.parse(argc, argv);
    hide_secret_arguments(argc, argv);
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
