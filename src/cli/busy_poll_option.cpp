#include "cli/busy_poll_option.h"

namespace gatehouse::cli {

void add_busy_poll_option(CLI::App& command, std::chrono::microseconds& target) {
  command
      .add_option_function<long>(
          "--busy-poll", [&target](long microseconds) { target = std::chrono::microseconds(microseconds); },
          "Microseconds each event loop keeps polling after its last event before it sleeps (default 0: "
          "sleeps at once). On virtual machines, whose idle CPUs wake slowly, 1000 cuts the latency a proxy "
          "adds at a few thousand requests/s, at the cost of a CPU per loop while traffic flows")
      ->check(CLI::Range(0L, 1000000L));
}

}  // namespace gatehouse::cli
