#include "cli/byte_size.h"

#include <cctype>
#include <charconv>

#include "base/error.h"

namespace gatehouse::cli {

int64_t parse_byte_size(const std::string& text, const std::string& option) {
  static const struct {
    const char* suffix;
    int64_t multiplier;
  } kUnits[] = {{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", int64_t{1} << 30}, {"KB", 1000},
                {"MB", 1000000},  {"GB", 1000000000}, {"B", 1}, {"", 1}};
  double value = 0;
  const char* end = text.data() + text.size();
  auto [rest, error] = std::from_chars(text.data(), end, value);
  const std::string unit(rest, end);
  if (error == std::errc() && value >= 0) {
    for (const auto& known : kUnits) {
      if (unit == known.suffix && value * static_cast<double>(known.multiplier) < 9e18) {
        return static_cast<int64_t>(value * static_cast<double>(known.multiplier));
      }
    }
  }
  throw Error(ErrorCode::invalid_argument,
              option + " must be a size such as 4GiB, 512MiB or a number of bytes, got \"" + text + "\"");
}

}  // namespace gatehouse::cli
