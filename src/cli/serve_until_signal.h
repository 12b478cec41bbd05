// Runs an HTTP server until SIGINT or SIGTERM, for the subcommands that serve.
#pragma once

#include "http/server.h"

namespace gatehouse::cli {

// Blocks SIGINT/SIGTERM in the calling thread and in every thread it starts from then on, so that
// serve_until_signal() receives them. Call it before starting other threads (an engine's).
void block_stop_signals();

// Blocks SIGINT/SIGTERM in every thread, runs the server, and stops it when one arrives.
void serve_until_signal(http::Server& server);

}  // namespace gatehouse::cli
