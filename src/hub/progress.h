// A one-line download progress display on stderr ("label  45% 120.3/267.0 MB 85.2 MB/s"),
// redrawn at most ten times a second; the caller creates one only when stderr is a terminal.
// add() is thread-safe, so parallel downloads share one line.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace gatehouse::hub {

class Progress {
 public:
  Progress(std::string label, uint64_t total);
  ~Progress();  // draws the final state and ends the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Counts bytes received (negative when a download restarts).
  void add(int64_t bytes);

 private:
  void draw(bool final);

  std::string label_;
  uint64_t total_;
  std::atomic<int64_t> done_{0};
  std::mutex draw_mutex_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace gatehouse::hub
