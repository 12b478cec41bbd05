#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

namespace gatehouse::log {
namespace {

Level level_from_environment() {
  const char* value = std::getenv("GATEHOUSE_LOG_LEVEL");
  if (value == nullptr) return Level::info;
  if (std::strcmp(value, "debug") == 0) return Level::debug;
  if (std::strcmp(value, "warn") == 0) return Level::warn;
  if (std::strcmp(value, "error") == 0) return Level::error;
  return Level::info;
}

std::atomic<Level>& current_level() {
  static std::atomic<Level> level{level_from_environment()};
  return level;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::debug: return "DEBUG";
    case Level::info: return "INFO";
    case Level::warn: return "WARN";
    case Level::error: return "ERROR";
  }
  return "?";
}

}  // namespace

void set_level(Level level) { current_level().store(level); }
Level level() { return current_level().load(); }
bool enabled(Level level) { return static_cast<int>(level) >= static_cast<int>(current_level().load()); }

Line::~Line() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::string text = std::string(stamp) + " " + level_name(level_) + " " + stream_.str() + "\n";
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace gatehouse::log
