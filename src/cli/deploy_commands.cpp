// gatehouse deploy / deployments / logs / undeploy: the control plane's deployments from the shell.
// deploy sends a recipe (or deployment group) file as it is and prints what the control plane made
// of it; --wait follows it to monitoring or completed. logs prints the lifecycle steps and the
// replicas' output, and --follow keeps printing them as they come.
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "base/error.h"
#include "base/file.h"
#include "base/json.h"
#include "cli/commands.h"
#include "cli/control_client.h"
#include "cli/line_io.h"
#include "http/percent_encoding.h"

namespace gatehouse::cli {
namespace {

namespace bj = boost::json;

constexpr size_t kMaxRecipeBytes = size_t(1) << 20;  // the control plane takes bodies up to 1 MiB

struct DeployOptions {
  ConnectionOptions connection;
  std::string file;
  bool wait = false;
  double timeout_seconds = 600;
};

struct ListOptions {
  ConnectionOptions connection;
  bool json = false;
};

struct LogsOptions {
  ConnectionOptions connection;
  std::string uuid;
  std::optional<size_t> tail;
  bool follow = false;
};

struct UndeployOptions {
  ConnectionOptions connection;
  std::string uuid;
  std::string group;
};

struct Member {
  std::string uuid;
  std::string name;
};

// Polls each deployment until it is monitoring or completed. Throws when one fails (with its last
// error), is undeployed meanwhile, or the timeout passes. Status changes go to stderr.
void wait_until_up(ControlClient& client, std::vector<Member> pending, double timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  std::map<std::string, std::string> last_status;
  while (!pending.empty()) {
    for (auto member = pending.begin(); member != pending.end();) {
      const bj::value item = client.get("/deployment/" + http::percent_encode(member->uuid, false) + "/");
      const std::string status = cell(field(item, "deployment_status"));
      if (std::exchange(last_status[member->uuid], status) != status) {
        std::fprintf(stderr, "%s: %s\n", member->name.c_str(), status.c_str());
      }
      if (status == "failed") {
        const bj::value& error = field(item, "last_error");
        throw Error(ErrorCode::unavailable, "deployment '" + member->name + "' failed: " +
                                                (error.is_string() ? cell(error) : "the control plane recorded no error") +
                                                " (gatehouse logs " + member->uuid + " shows more)");
      }
      if (cell(field(item, "deployment_directive")) == "decommission") {
        throw Error(ErrorCode::conflict, "deployment '" + member->name + "' was undeployed while waiting for it");
      }
      member = status == "monitoring" || status == "completed" ? pending.erase(member) : member + 1;
    }
    if (pending.empty()) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      throw Error(ErrorCode::unavailable, "deployment '" + pending.front().name + "' is still " + last_status[pending.front().uuid] +
                                              " after " + json::serialize(bj::value(timeout_seconds)) + " s; gatehouse logs " +
                                              pending.front().uuid + " shows where it is");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

// Prints the uuid of the deployment made, or for a group its id and then each member's uuid and name.
int run_deploy(const DeployOptions& options) {
  std::string recipe = files::read_named_input(options.file, kMaxRecipeBytes);
  json::as_object(json::parse(recipe, options.file), json::JsonPath(options.file));  // a typo is named here, with its line
  ControlClient client(options.connection);
  ApiAnswer answer = client.request("POST", "/deployment/", std::move(recipe));
  if (answer.status >= 400) throw error_for(answer, "the control plane refused " + options.file);
  std::vector<Member> members;
  if (const bj::value& deployments = field(answer.body, "deployments"); deployments.is_array()) {
    write_out(cell(field(answer.body, "deployment_group_id")) + "\n");
    for (const bj::value& item : deployments.as_array()) {
      members.push_back({cell(field(item, "deployment_uuid")), cell(field(item, "deployment_name"))});
      write_out(members.back().uuid + "  " + members.back().name + "\n");
    }
  } else {
    members.push_back({cell(field(answer.body, "deployment_uuid")), cell(field(answer.body, "deployment_name"))});
    write_out(members.back().uuid + "\n");
  }
  std::fflush(stdout);
  if (options.wait) wait_until_up(client, std::move(members), options.timeout_seconds);
  return 0;
}

int list_deployments(const ListOptions& options) {
  ControlClient client(options.connection);
  const bj::value items = client.get("/deployment/");
  if (options.json) {
    write_out(json::serialize(items) + "\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  if (items.is_array()) {
    for (const bj::value& item : items.as_array()) {
      std::vector<std::string> row;
      for (const char* key : {"deployment_uuid", "deployment_name", "mode", "deployment_status", "deployment_directive", "creation_date"}) {
        row.push_back(cell(field(item, key)));
      }
      rows.push_back(std::move(row));
    }
  }
  write_out(format_table({"UUID", "NAME", "MODE", "STATUS", "DIRECTIVE", "CREATED"}, rows));
  return 0;
}

// "TIMESTAMP STEP STATUS MESSAGE" for a lifecycle entry, "[replica ID] text" for an output line.
std::string log_line(const bj::value& entry, bool output) {
  if (output) return "[replica " + cell(field(entry, "replica")) + "] " + cell(field(entry, "message")) + "\n";
  return cell(field(entry, "timestamp")) + " " + cell(field(entry, "step")) + " " + cell(field(entry, "status")) + " " +
         cell(field(entry, "message")) + "\n";
}

int show_logs(const LogsOptions& options) {
  ControlClient client(options.connection);
  std::string path = "/deployment_logs/" + http::percent_encode(options.uuid, false) + "/";
  if (options.tail) path += "?tail=" + std::to_string(*options.tail);
  if (options.follow) {
    path += options.tail ? "&follow=true" : "?follow=true";
    client.follow(path, [](const bj::value& entry) {
      write_out(log_line(entry, cell(field(entry, "type")) == "output"));
      std::fflush(stdout);
    });
    return 0;
  }
  const bj::value logs = client.get(path);
  for (const char* part : {"lifecycle", "output"}) {
    if (const bj::value& entries = field(logs, part); entries.is_array()) {
      for (const bj::value& entry : entries.as_array()) write_out(log_line(entry, part == std::string_view("output")));
    }
  }
  return 0;
}

int undeploy(const UndeployOptions& options) {
  if (options.uuid.empty() == options.group.empty()) {
    throw InvalidParameter("uuid", "give the uuid of a deployment, or --group ID for a deployment group");
  }
  ControlClient client(options.connection);
  const bool group = !options.group.empty();
  const bj::object request = group ? bj::object{{"deployment_group_id", options.group}} : bj::object{{"deployment_uuid", options.uuid}};
  const bj::value answer = client.post("/undeploy/", json::serialize(request));
  if (!group) {
    write_out(options.uuid + ": " + cell(field(answer, "deployment_directive")) + "\n");
  } else if (const bj::value& deployments = field(answer, "deployments"); deployments.is_array()) {
    for (const bj::value& item : deployments.as_array()) {
      write_out(cell(field(item, "deployment_uuid")) + ": " + cell(field(item, "deployment_directive")) + "\n");
    }
  }
  return 0;
}

}  // namespace

void add_deploy_commands(CLI::App& app, Handler& handler) {
  auto deploy = std::make_shared<DeployOptions>();
  CLI::App* deploy_command = app.add_subcommand("deploy", "Deploy a Blueprints recipe or deployment group file on the control plane");
  deploy_command->add_option("recipe", deploy->file, "The recipe's JSON file")->required();
  CLI::Option* wait = deploy_command->add_flag("--wait", deploy->wait, "Wait until it is monitoring (a service) or completed (a job); exit 1 if it fails");
  deploy_command->add_option("--timeout", deploy->timeout_seconds, "Seconds --wait waits")->needs(wait)->check(CLI::Range(0.0, 86400.0))->capture_default_str();
  add_connection_options(*deploy_command, deploy->connection);
  deploy_command->callback([deploy, &handler] { handler = [deploy] { return run_deploy(*deploy); }; });

  auto list = std::make_shared<ListOptions>();
  CLI::App* list_command = app.add_subcommand("deployments", "List the control plane's deployments");
  list_command->add_flag("--json", list->json, "The control plane's JSON answer instead of a table");
  add_connection_options(*list_command, list->connection);
  list_command->callback([list, &handler] { handler = [list] { return list_deployments(*list); }; });

  auto logs = std::make_shared<LogsOptions>();
  CLI::App* logs_command = app.add_subcommand("logs", "Show a deployment's lifecycle steps and its replicas' output");
  logs_command->add_option("uuid", logs->uuid, "The deployment's uuid (gatehouse deployments lists them)")->required();
  logs_command->add_option("--tail", logs->tail, "Only the last N lifecycle entries and output lines")->check(CLI::Range(0, 1'000'000));
  logs_command->add_flag("--follow,-f", logs->follow, "Keep printing new entries until the deployment is gone (Ctrl-C stops)");
  add_connection_options(*logs_command, logs->connection);
  logs_command->callback([logs, &handler] { handler = [logs] { return show_logs(*logs); }; });

  auto undeploy_options = std::make_shared<UndeployOptions>();
  CLI::App* undeploy_command = app.add_subcommand("undeploy", "Stop and remove a deployment, or every deployment of a group");
  CLI::Option* uuid = undeploy_command->add_option("uuid", undeploy_options->uuid, "The deployment's uuid");
  CLI::Option* group = undeploy_command->add_option("--group", undeploy_options->group, "A deployment group's id instead");
  uuid->excludes(group);
  add_connection_options(*undeploy_command, undeploy_options->connection);
  undeploy_command->callback([undeploy_options, &handler] { handler = [undeploy_options] { return undeploy(*undeploy_options); }; });
}

}  // namespace gatehouse::cli
