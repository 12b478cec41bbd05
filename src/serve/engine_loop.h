// Runs an Engine on a thread of its own. Server threads submit requests and cancellations through
// a queue; the engine thread admits them, steps while there is work (sleeping when there is none)
// and hands every sequence update to the request's observer, on the engine thread. The loop also
// keeps the request timings behind the vLLM metrics. submit() and cancel() are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "engine/engine.h"
#include "serve/metrics.h"

namespace gatehouse::serve {

// The API's finish_reason for an engine's: "stop", "length", "abort", or "error" where the output
// constraint allowed no token (the output is cut short, not complete).
const char* finish_reason_name(engine::FinishReason reason);

// Receives the updates of one or more engine requests (the prompts of one API request).
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // One sequence's update, on the engine thread. Returning false ends that sequence at once (a
  // stop string matched); the return value of its final update is ignored.
  virtual bool on_update(engine::SequenceUpdate& update) = 0;
  // The engine refused or lost a request: no further update comes for it.
  virtual void on_failed(const std::string& request_id, const Error& error) = 0;
};

class EngineLoop {
 public:
  // `max_pending`: API requests pending at most; more are refused as overload.
  EngineLoop(engine::Engine& engine, Metrics& metrics, int64_t max_pending);
  ~EngineLoop();  // cancels what is left and joins the thread
  EngineLoop(const EngineLoop&) = delete;
  EngineLoop& operator=(const EngineLoop&) = delete;

  // Queues the engine requests of one API request, which share one observer, and counts the API
  // request as pending until release() is called for it (the observer calls it just before its
  // answer's last bytes go out, so a client that sends its next request at once is not refused).
  // Throws Error(unavailable) when the server is overloaded or the engine has failed; nothing is
  // queued then.
  void submit(std::vector<engine::Request> requests, std::shared_ptr<RequestObserver> observer);
  void release() { --pending_; }
  void cancel(const std::vector<std::string>& request_ids);
  // False once the engine thread stopped on an unexpected error (health checks report 503).
  bool healthy() const { return !failed_.load(); }
  int64_t pending() const { return pending_.load(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Submission {
    engine::Request request;
    std::shared_ptr<RequestObserver> observer;
    Clock::time_point arrival;
  };
  // What the engine thread knows about a request in flight.
  struct Live {
    std::shared_ptr<RequestObserver> observer;
    Clock::time_point arrival;
    std::optional<Clock::time_point> first_scheduled, first_token;
    std::vector<Clock::time_point> last_token;  // per sequence
    int64_t remaining = 0;                      // sequences not yet finished
    int64_t generated = 0;
    int64_t prompt_tokens = 0;
    int64_t max_tokens = 0;
    int64_t n = 1;
    engine::FinishReason finish = engine::FinishReason::none;
  };

  void run();
  void admit(std::vector<Submission>& submissions);
  void deliver(std::vector<engine::SequenceUpdate>& updates);
  void finished(Live& live, Clock::time_point now);
  void fail_everything(const std::string& message);

  engine::Engine& engine_;
  Metrics& metrics_;
  const int64_t max_pending_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Submission> submissions_;
  std::vector<std::string> cancellations_;
  bool stopping_ = false;

  std::atomic<int64_t> pending_{0};
  std::atomic<bool> failed_{false};
  std::unordered_map<std::string, Live> live_;  // engine thread only
  std::thread thread_;
};

}  // namespace gatehouse::serve
