#include "cli/secret_options.h"

#include <set>
#include <string_view>

namespace gatehouse::cli {
namespace {

void collect_secret_values(const CLI::App& app, std::set<std::string, std::less<>>& values) {
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_type_name() != kSecretTypeName) continue;
    for (const std::string& value : option->results()) {
      if (!value.empty()) values.insert(value);
    }
  }
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) collect_secret_values(*command, values);
}

// Keeps "***" (shorter for shorter values) and zeroes the rest, in place: argv's memory is what
// the kernel shows.
void overwrite(char* value) {
  for (char* c = value; *c; ++c) *c = c - value < 3 ? '*' : '\0';
}

}  // namespace

void hide_secret_arguments(const CLI::App& app, int argc, char** argv) {
  std::set<std::string, std::less<>> values;
  collect_secret_values(app, values);
  if (values.empty()) return;
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (values.contains(argument)) {
      overwrite(argv[i]);
      continue;
    }
    const size_t equals = argument.find('=');
    if (argument.starts_with('-') && equals != std::string_view::npos && values.contains(argument.substr(equals + 1))) {
      overwrite(argv[i] + equals + 1);
    }
  }
}

}  // namespace gatehouse::cli
