#include "gateway/keys/key_record.h"

#include <charconv>
#include <ctime>

#include "base/error.h"

namespace gatehouse::gateway {

std::chrono::seconds parse_duration(std::string_view text, const std::string& field) {
  auto invalid = [&] {
    return InvalidParameter(field, field + " must be a number and a unit: s, m, h, d or w (\"30s\", \"1h\", \"30d\")");
  };
  int64_t count = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (error != std::errc() || end == text.data() || count <= 0) throw invalid();
  std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  int64_t seconds_per_unit = 0;
  if (unit == "s") seconds_per_unit = 1;
  else if (unit == "m") seconds_per_unit = 60;
  else if (unit == "h") seconds_per_unit = 3600;
  else if (unit == "d") seconds_per_unit = 86400;
  else if (unit == "w") seconds_per_unit = 7 * 86400;
  else throw invalid();
  constexpr int64_t kTenYears = 3660LL * 86400;
  if (count > kTenYears / seconds_per_unit) throw InvalidParameter(field, field + " must be at most ten years");
  return std::chrono::seconds(count * seconds_per_unit);
}

std::string format_time(TimePoint time) {
  std::time_t seconds = WallClock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace gatehouse::gateway
