// Leveled logging to stderr: GH_LOG(info) << "listening on " << port;
// One line per statement, written atomically; safe from any thread. Never log a SecretString's
// value: it prints as "***" by design.
#pragma once

#include <sstream>
#include <string_view>

namespace gatehouse::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// Messages below this level are dropped. Default: info, or GATEHOUSE_LOG_LEVEL from the environment.
void set_level(Level level);
Level level();
bool enabled(Level level);

class Line {
 public:
  explicit Line(Level level) : level_(level) {}
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;
  template <typename T>
  Line& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  Level level_;
  std::ostringstream stream_;
};

}  // namespace gatehouse::log

#define GH_LOG(lvl)                                                      \
  if (!::gatehouse::log::enabled(::gatehouse::log::Level::lvl)) {        \
  } else                                                                 \
    ::gatehouse::log::Line(::gatehouse::log::Level::lvl)
