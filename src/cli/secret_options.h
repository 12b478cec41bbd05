// Options whose values are secrets (API keys, Hub tokens). Declare them with add_secret_option;
// after parsing, main calls hide_secret_arguments, which overwrites in argv every value that was
// given to any secret option, in every spelling CLI11 accepts (--flag a b, --flag=a, the flag
// repeated), because process listings (ps, /proc/PID/cmdline) read argv.
#pragma once

#include <CLI/App.hpp>
#include <string>
#include <utility>

namespace gatehouse::cli {

// The type name that marks an option as secret; --help shows it as the value's name.
inline constexpr const char* kSecretTypeName = "SECRET";

template <typename T>
CLI::Option* add_secret_option(CLI::App& command, std::string name, T& value, std::string description) {
  return command.add_option(std::move(name), value, std::move(description))->type_name(kSecretTypeName);
}

// Overwrites with "***" each argument of argv that is a value of a secret option of `app` or of
// any of its subcommands, and the value part of each "-...=value" argument carrying one.
void hide_secret_arguments(const CLI::App& app, int argc, char** argv);

}  // namespace gatehouse::cli
