#include "serve/engine_loop.h"

#include "base/log.h"

namespace gatehouse::serve {
namespace {

double seconds(std::chrono::steady_clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

}  // namespace

const char* finish_reason_name(engine::FinishReason reason) {
  switch (reason) {
    case engine::FinishReason::length: return "length";
    case engine::FinishReason::abort: return "abort";
    case engine::FinishReason::constraint: return "error";
    case engine::FinishReason::stop:
    case engine::FinishReason::none: break;
  }
  return "stop";
}

EngineLoop::EngineLoop(engine::Engine& engine, Metrics& metrics, int64_t max_pending)
    : engine_(engine), metrics_(metrics), max_pending_(max_pending), thread_([this] { run(); }) {}

EngineLoop::~EngineLoop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void EngineLoop::submit(std::vector<engine::Request> requests, std::shared_ptr<RequestObserver> observer) {
  if (failed_) throw Error(ErrorCode::unavailable, "the engine has failed; see the server log");
  if (pending_.fetch_add(1) + 1 > max_pending_) {
    --pending_;
    throw Error(ErrorCode::unavailable, "the server is overloaded: " + std::to_string(max_pending_) +
                                            " requests are already queued or running; retry later");
  }
  const Clock::time_point now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    for (engine::Request& request : requests) submissions_.push_back({std::move(request), observer, now});
  }
  wake_.notify_one();
}

void EngineLoop::cancel(const std::vector<std::string>& request_ids) {
  {
    std::lock_guard lock(mutex_);
    cancellations_.insert(cancellations_.end(), request_ids.begin(), request_ids.end());
  }
  wake_.notify_one();
}

void EngineLoop::run() {
  std::vector<Submission> submissions;
  std::vector<std::string> cancellations;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !submissions_.empty() || !cancellations_.empty() || engine_.has_unfinished(); });
      if (stopping_) break;
      submissions.swap(submissions_);
      cancellations.swap(cancellations_);
    }
    admit(submissions);
    for (const std::string& id : cancellations) {
      if (live_.contains(id)) engine_.cancel(id);
    }
    cancellations.clear();
    if (!engine_.has_unfinished()) continue;
    try {
      std::vector<engine::SequenceUpdate> updates = engine_.step();
      const engine::EngineStats stats = engine_.stats();
      if (stats.last_step_tokens > 0) metrics_.record_step(stats.last_step_tokens);
      deliver(updates);
      metrics_.set_state(stats.running, stats.waiting,
                         stats.kv_blocks > 0 ? static_cast<double>(stats.kv_blocks_used) / static_cast<double>(stats.kv_blocks) : 0.0,
                         stats.preemptions);
    } catch (const std::exception& error) {
      GH_LOG(error) << "engine step failed: " << error.what();
      failed_ = true;
      fail_everything("the engine failed while generating; see the server log");
      return;
    }
  }
  fail_everything("the server is shutting down");
}

void EngineLoop::admit(std::vector<Submission>& submissions) {
  for (Submission& submission : submissions) {
    const std::string id = submission.request.id;
    Live live;
    live.observer = submission.observer;
    live.arrival = submission.arrival;
    live.last_token.resize(static_cast<size_t>(submission.request.params.n));
    live.remaining = live.n = submission.request.params.n;
    live.prompt_tokens = static_cast<int64_t>(submission.request.prompt.size());
    live.max_tokens = submission.request.params.max_tokens;
    try {
      engine_.add_request(std::move(submission.request));
      live_.emplace(id, std::move(live));
    } catch (const Error& error) {
      live.observer->on_failed(id, error);
    }
  }
  submissions.clear();
}

void EngineLoop::deliver(std::vector<engine::SequenceUpdate>& updates) {
  const Clock::time_point now = Clock::now();
  for (engine::SequenceUpdate& update : updates) {
    auto found = live_.find(update.request_id);
    if (found == live_.end()) continue;
    Live& live = found->second;
    if (!live.first_scheduled) live.first_scheduled = update.first_scheduled;
    if (!update.new_tokens.empty()) {
      const int64_t count = static_cast<int64_t>(update.new_tokens.size());
      if (!live.first_token) {
        live.first_token = now;
        metrics_.record_first_token(seconds(now - live.arrival));
        metrics_.record_prompt(update.prompt_tokens, update.cached_prompt_tokens);
      }
      Clock::time_point& last = live.last_token[static_cast<size_t>(update.index)];
      if (last != Clock::time_point{}) metrics_.record_token_gap(seconds(now - last));
      last = now;
      live.generated += count;
      metrics_.record_generated(count);
    }
    const engine::FinishReason reason = update.finish;
    const bool keep_going = live.observer->on_update(update);
    if (reason == engine::FinishReason::none && !keep_going) {
      engine_.stop_sequence(update.request_id, update.index);
      live.finish = engine::FinishReason::stop;
    } else if (reason != engine::FinishReason::none) {
      live.finish = reason;
    } else {
      continue;
    }
    if (--live.remaining == 0) {
      finished(live, now);
      live_.erase(found);
    }
  }
}

void EngineLoop::finished(Live& live, Clock::time_point now) {
  const Clock::time_point scheduled = live.first_scheduled.value_or(now);
  const Clock::time_point first_token = live.first_token.value_or(now);
  metrics_.record_finished({.finish_reason = finish_reason_name(live.finish),
                            .prompt_tokens = live.prompt_tokens,
                            .generation_tokens = live.generated,
                            .max_tokens = live.max_tokens,
                            .n = live.n,
                            .e2e = seconds(now - live.arrival),
                            .queue = seconds(scheduled - live.arrival),
                            .prefill = seconds(first_token - scheduled),
                            .decode = seconds(now - first_token),
                            .inference = seconds(now - scheduled)});
}

void EngineLoop::fail_everything(const std::string& message) {
  const Error error(failed_ ? ErrorCode::internal : ErrorCode::unavailable, message);
  for (auto& [id, live] : live_) live.observer->on_failed(id, error);
  live_.clear();
  std::vector<Submission> queued;
  {
    std::lock_guard lock(mutex_);
    queued.swap(submissions_);
  }
  for (Submission& submission : queued) submission.observer->on_failed(submission.request.id, error);
}

}  // namespace gatehouse::serve
