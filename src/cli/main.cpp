// gatehouse: one binary, one subcommand per capability (see docs/cli.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "base/error.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Gatehouse: run Hugging Face models, gated ones included, on your own machines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "gatehouse 0.1.0");
  gatehouse::cli::Handler handler;
  gatehouse::cli::add_tokenize_command(app, handler);
  gatehouse::cli::add_detokenize_command(app, handler);
  gatehouse::cli::add_chat_template_command(app, handler);
  try {
    app.parse(argc, argv);
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
