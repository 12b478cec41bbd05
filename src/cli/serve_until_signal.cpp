#include "cli/serve_until_signal.h"

#include <csignal>
#include <pthread.h>
#include <thread>

namespace gatehouse::cli {

namespace {

sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

}  // namespace

void block_stop_signals() {
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by threads started later
}

void serve_until_signal(http::Server& server) {
  block_stop_signals();
  sigset_t signals = stop_signals();
  std::thread waiter([&] {
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
  });
  server.run();
  // run() also returns if the server stopped by itself: wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
}

}  // namespace gatehouse::cli
