#include "http/percent_encoding.h"

#include "base/error.h"
#include "base/log.h"

namespace gatehouse::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_encode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                            c == '.' || c == '-' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kDigits[byte >> 4]);
      out.push_back(kDigits[byte & 0xF]);
    }
  }
  return out;
}

std::optional<std::string> try_percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    const int low = high >= 0 ? hex_value(text[i + 2]) : -1;
    if (low < 0) return std::nullopt;
    out.push_back(char(high * 16 + low));
    i += 2;
  }
  return out;
}

std::string percent_decode(std::string_view text) {
  std::optional<std::string> decoded = try_percent_decode(text);
  if (!decoded) {
    constexpr size_t kQuoted = 200;
    throw Error(ErrorCode::invalid_argument,
                "malformed percent-escape in '" + log::printable(text.substr(0, kQuoted)) + (text.size() > kQuoted ? "...'" : "'") +
                    ": '%' must be followed by two hex digits");
  }
  return std::move(*decoded);
}

}  // namespace gatehouse::http
