// The --busy-poll flag of the commands that proxy (gateway, up): one help text, one range.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>

namespace gatehouse::cli {

// Adds --busy-poll MICROSECONDS, stored into `target` (http::ServerOptions::busy_poll).
void add_busy_poll_option(CLI::App& command, std::chrono::microseconds& target);

}  // namespace gatehouse::cli
