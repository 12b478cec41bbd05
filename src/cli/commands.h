// Each subcommand registers its options and handler on the root CLI11 app. The handler runs after
// parsing and returns the process exit code (errors propagate as gatehouse::Error to main).
#pragma once

#include <CLI/App.hpp>
#include <functional>

namespace gatehouse::cli {

// Set by a subcommand's callback: main runs it after parsing succeeded.
using Handler = std::function<int()>;

void add_tokenize_command(CLI::App& app, Handler& handler);
void add_detokenize_command(CLI::App& app, Handler& handler);
void add_chat_template_command(CLI::App& app, Handler& handler);
void add_hub_command(CLI::App& app, Handler& handler);
void add_download_command(CLI::App& app, Handler& handler);
void add_generate_command(CLI::App& app, Handler& handler);
void add_bench_command(CLI::App& app, Handler& handler);
void add_serve_command(CLI::App& app, Handler& handler);
void add_up_command(CLI::App& app, Handler& handler);
void add_gateway_command(CLI::App& app, Handler& handler);
void add_render_command(CLI::App& app, Handler& handler);
// The gateway SDK (gateway/completion.h): one chat request through a provider string.
void add_complete_command(CLI::App& app, Handler& handler);
void add_demo_repo_command(CLI::App& app, Handler& handler);  // hidden from --help
// Clients of `gatehouse up` (control_client.h): secrets ...; deploy, deployments, logs, undeploy.
void add_secrets_command(CLI::App& app, Handler& handler);
void add_deploy_commands(CLI::App& app, Handler& handler);

}  // namespace gatehouse::cli
