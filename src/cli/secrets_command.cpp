// gatehouse secrets list / create / update / delete / apply: the control plane's secrets from the
// shell. Values come from environment variables or files, never from the command line (ps shows
// it), and are never printed: the control plane only ever answers with names and keys.
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "base/error.h"
#include "base/file.h"
#include "base/json.h"
#include "base/utf8.h"
#include "cli/commands.h"
#include "cli/control_client.h"
#include "cli/line_io.h"
#include "http/percent_encoding.h"

namespace gatehouse::cli {
namespace {

namespace bj = boost::json;

constexpr size_t kMaxSecretFileBytes = size_t(1) << 20;  // the control plane takes bodies up to 1 MiB

struct ListOptions {
  ConnectionOptions connection;
  std::string namespace_name;
  bool json = false;
};

// What create and update send: the name, and the data from env vars, files or the registry flags.
struct WriteOptions {
  ConnectionOptions connection;
  std::string name;
  std::string type;
  std::vector<std::string> from_env, from_file;
  std::string registry_server, registry_username, registry_email, password_env;
};

struct NameOptions {
  ConnectionOptions connection;
  std::string name;  // delete: the secret; apply: the payload file
};

// "KEY=REST" split at the first '='; both parts must be there.
std::pair<std::string, std::string> split_assignment(const std::string& text, const char* option, const char* rest) {
  const size_t equals = text.find('=');
  if (equals == 0 || equals == std::string::npos || equals + 1 == text.size()) {
    throw InvalidParameter(option, std::string(option) + " takes KEY=" + rest + ", got '" + text + "'");
  }
  return {text.substr(0, equals), text.substr(equals + 1)};
}

// The value of an environment variable a flag names; its name (not its value) in the error.
std::string environment_value(const std::string& variable, const std::string& flag) {
  const char* value = std::getenv(variable.c_str());
  if (!value) throw InvalidParameter(flag, flag + ": the environment variable " + variable + " is not set");
  return value;
}

void add_data(bj::object& data, const std::string& key, std::string value, const std::string& flag) {
  if (data.contains(key)) throw InvalidParameter(flag, "the key '" + key + "' is given twice");
  if (!utf8::is_valid(value)) {
    throw InvalidParameter(flag, flag + ": the value of '" + key + "' is not UTF-8 text; secrets hold text (base64-encode binary data)");
  }
  data[key] = std::move(value);
}

// The secrets_payload item that creates or updates options.name.
bj::object secret_item(const WriteOptions& options, const char* action) {
  const bool registry = !options.registry_server.empty() || !options.registry_username.empty() ||
                        !options.registry_email.empty() || !options.password_env.empty();
  const std::string type = options.type.empty() ? (registry ? "container_registry" : "opaque") : options.type;
  bj::object data;
  if (type == "opaque") {
    if (registry) throw InvalidParameter("--type", "the --registry-* and --password-from-env options make a container_registry secret, not an opaque one");
    for (const std::string& entry : options.from_env) {
      auto [key, variable] = split_assignment(entry, "--from-env", "ENVVAR");
      add_data(data, key, environment_value(variable, "--from-env " + entry), "--from-env " + entry);
    }
    for (const std::string& entry : options.from_file) {
      auto [key, path] = split_assignment(entry, "--from-file", "PATH");
      add_data(data, key, files::read_named_input(path, kMaxSecretFileBytes), "--from-file " + entry);
    }
    if (data.empty()) throw InvalidParameter("--from-env", "an opaque secret needs data: give --from-env KEY=ENVVAR or --from-file KEY=PATH");
  } else {
    if (!options.from_env.empty() || !options.from_file.empty()) {
      throw InvalidParameter("--type", "a container_registry secret takes --registry-server, --registry-username, "
                                       "--registry-email and --password-from-env, not --from-env or --from-file");
    }
    for (auto [flag, value] : {std::pair{"--registry-server", &options.registry_server}, {"--registry-username", &options.registry_username},
                               {"--registry-email", &options.registry_email}, {"--password-from-env", &options.password_env}}) {
      if (value->empty()) throw InvalidParameter(flag, std::string("a container_registry secret needs ") + flag);
    }
    data["registry_server"] = options.registry_server;
    data["username"] = options.registry_username;
    data["email"] = options.registry_email;
    data["password"] = environment_value(options.password_env, "--password-from-env");
  }
  return bj::object{{"name", options.name}, {"action", action}, {"type", type}, {"data", std::move(data)}};
}

// Sends a secrets_payload; prints each result's message (they name their secret), successes on
// stdout and failures on stderr; 1 when any failed.
int send_payload(const ConnectionOptions& connection, std::string body) {
  ControlClient client(connection);
  ApiAnswer answer = client.request("POST", "/secrets/", std::move(body));
  const bj::value& results = field(answer.body, "results");
  if (!results.is_array()) {
    if (answer.status >= 400) throw error_for(answer, "POST /secrets/");
    throw Error(ErrorCode::unavailable, client.url() + "/secrets/ answered without results: is it a gatehouse control plane?");
  }
  int failed = 0;
  for (const bj::value& result : results.as_array()) {
    if (cell(field(result, "status")) == "success") {
      write_out(cell(field(result, "message")) + "\n");
    } else {
      ++failed;
      std::fprintf(stderr, "gatehouse: error: %s\n", cell(field(result, "message")).c_str());
    }
  }
  return failed > 0 || answer.status >= 400 ? 1 : 0;
}

int list_secrets(const ListOptions& options) {
  ControlClient client(options.connection);
  const bj::value items =
      client.get("/secrets/" + (options.namespace_name.empty() ? "" : "?namespace=" + http::percent_encode(options.namespace_name, false)));
  if (options.json) {
    write_out(json::serialize(items) + "\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  if (items.is_array()) {
    for (const bj::value& item : items.as_array()) {
      rows.push_back({cell(field(item, "name")), cell(field(item, "type")), cell(field(item, "data_keys")),
                      cell(field(item, "creation_timestamp"))});
    }
  }
  write_out(format_table({"NAME", "TYPE", "KEYS", "CREATED"}, rows));
  return 0;
}

void add_write_command(CLI::App& secrets, Handler& handler, const char* action, const char* description) {
  auto options = std::make_shared<WriteOptions>();
  CLI::App* command = secrets.add_subcommand(action, description);
  command->add_option("name", options->name, "The secret's name (a DNS subdomain: a-z, 0-9, '-', '.')")->required();
  command->add_option("--type", options->type, "opaque (default) or container_registry (implied by the --registry-* options)")
      ->check(CLI::IsMember({"opaque", "container_registry"}));
  command->add_option("--from-env", options->from_env, "KEY=ENVVAR: the key's value is that environment variable's (repeatable)");
  command->add_option("--from-file", options->from_file, "KEY=PATH: the key's value is that file's text (repeatable)");
  command->add_option("--registry-server", options->registry_server, "container_registry: the registry, e.g. iad.ocir.io");
  command->add_option("--registry-username", options->registry_username, "container_registry: the user name");
  command->add_option("--registry-email", options->registry_email, "container_registry: the user's email");
  command->add_option("--password-from-env", options->password_env, "container_registry: the environment variable holding the password");
  add_connection_options(*command, options->connection);
  command->callback([options, action, &handler] {
    handler = [options, action] {
      bj::object payload{{"secrets_payload", bj::array{secret_item(*options, action)}}};
      return send_payload(options->connection, json::serialize(payload));
    };
  });
}

}  // namespace

void add_secrets_command(CLI::App& app, Handler& handler) {
  CLI::App* secrets = app.add_subcommand("secrets", "Secrets of the control plane (gatehouse up): list, create, update, delete, apply");
  secrets->require_subcommand(1);

  auto list = std::make_shared<ListOptions>();
  CLI::App* list_command = secrets->add_subcommand("list", "List the secrets: names, types and keys, never values");
  list_command->add_option("--namespace", list->namespace_name, "Only this namespace");
  list_command->add_flag("--json", list->json, "The control plane's JSON answer instead of a table");
  add_connection_options(*list_command, list->connection);
  list_command->callback([list, &handler] { handler = [list] { return list_secrets(*list); }; });

  add_write_command(*secrets, handler, "create", "Create a secret from environment variables or files");
  add_write_command(*secrets, handler, "update", "Replace the data of a secret");

  auto remove = std::make_shared<NameOptions>();
  CLI::App* delete_command = secrets->add_subcommand("delete", "Delete a secret");
  delete_command->add_option("name", remove->name, "The secret's name")->required();
  add_connection_options(*delete_command, remove->connection);
  delete_command->callback([remove, &handler] {
    handler = [remove] {
      bj::object payload{{"secrets_payload", bj::array{bj::object{{"name", remove->name}, {"action", "delete"}}}}};
      return send_payload(remove->connection, json::serialize(payload));
    };
  });

  auto apply = std::make_shared<NameOptions>();
  CLI::App* apply_command = secrets->add_subcommand("apply", "Send a secrets_payload file (Blueprints' JSON: create, update, delete)");
  apply_command->add_option("file", apply->name, "The JSON file ({\"secrets_payload\": [...]})")->required();
  add_connection_options(*apply_command, apply->connection);
  apply_command->callback([apply, &handler] {
    handler = [apply] {
      std::string text = files::read_named_input(apply->name, kMaxSecretFileBytes);
      json::parse(text, apply->name);  // a typo in the file is named here, with its line
      return send_payload(apply->connection, std::move(text));
    };
  });
}

}  // namespace gatehouse::cli
