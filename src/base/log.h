// Leveled logging to stderr: GH_LOG(info) << "listening on " << port;
// One line per statement, written atomically; safe from any thread. Never log a SecretString's
// value: it prints as "***" by design. Every message goes through printable(), so text from a
// request (field names, paths, errors quoting input) can neither start a line of its own nor send
// escape sequences to a terminal, and a line is at most kMaxLineBytes long.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace gatehouse::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// Messages below this level are dropped. Default: info, or GATEHOUSE_LOG_LEVEL from the environment.
void set_level(Level level);
Level level();
bool enabled(Level level);

// Longest message written; the rest is cut, saying how much.
inline constexpr size_t kMaxLineBytes = 16 << 10;

// `text` as a log line shows it: line breaks and tabs as \n, \r, \t; other control characters
// (C0, DEL, C1), Unicode line separators and bidirectional overrides as \xNN or \u{NNNN}; bytes
// that are not UTF-8 as \xNN. Everything else is kept as it is.
std::string printable(std::string_view text);

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
