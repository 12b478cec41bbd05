// Runs an HTTP server until SIGINT or SIGTERM, for the subcommands that serve.
#pragma once

#include "http/server.h"

namespace gatehouse::cli {

// Blocks SIGINT/SIGTERM in every thread, runs the server, and stops it when one arrives.
void serve_until_signal(http::Server& server);

}  // namespace gatehouse::cli
