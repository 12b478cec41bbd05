#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

#include "base/utf8.h"

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

// Code points a log line must not carry as they are: they break lines or reorder what is shown.
bool shown_escaped(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char escape[16];
  for (size_t pos = 0; pos < text.size();) {
    if (text[pos] >= 0x20 && text[pos] < 0x7F) {  // printable ASCII, most of every line
      out += text[pos++];
      continue;
    }
    int length = 1;
    const char32_t cp = utf8::decode(text, pos, length);
    const bool invalid = cp == utf8::kReplacement && text.compare(pos, length, "\xEF\xBF\xBD") != 0;
    if (invalid) {
      for (int i = 0; i < length; ++i) {
        std::snprintf(escape, sizeof escape, "\\x%02X", static_cast<unsigned char>(text[pos + i]));
        out += escape;
      }
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (shown_escaped(cp)) {
      std::snprintf(escape, sizeof escape, cp < 0x80 ? "\\x%02X" : "\\u{%04X}", static_cast<unsigned>(cp));
      out += escape;
    } else {
      out.append(text, pos, length);
    }
    pos += length;
  }
  return out;
}

void set_level(Level level) { current_level().store(level); }
Level level() { return current_level().load(); }
bool enabled(Level level) { return static_cast<int>(level) >= static_cast<int>(current_level().load()); }

Line::~Line() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::string message = printable(stream_.str());
  if (message.size() > kMaxLineBytes) {
    const size_t kept = utf8::complete_prefix_length(std::string_view(message).substr(0, kMaxLineBytes));
    message = message.substr(0, kept) + "... (" + std::to_string(message.size() - kept) + " more bytes)";
  }
  std::string text = std::string(stamp) + " " + level_name(level_) + " " + message + "\n";
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace gatehouse::log
