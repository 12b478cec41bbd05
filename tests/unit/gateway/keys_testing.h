// Helpers for the virtual key tests: a scratch directory and a clock the test moves by hand.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>

#include "gateway/keys/key_store.h"

namespace gatehouse::gateway::testing {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("gatehouse-keys-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Starts at a fixed minute boundary (2026-01-01T00:00:00Z) and moves only when told to.
class ManualClock {
 public:
  TimePoint now() const {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void advance(std::chrono::milliseconds step) {
    std::lock_guard lock(mutex_);
    now_ += step;
  }
  KeyStoreOptions options() {
    KeyStoreOptions options;
    options.clock = [this] { return now(); };
    return options;
  }

 private:
  mutable std::mutex mutex_;
  TimePoint now_ = TimePoint(std::chrono::seconds(1767225600));
};

}  // namespace gatehouse::gateway::testing
