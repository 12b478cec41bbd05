#include "cli/line_io.h"

#include <stdio.h>

#include <charconv>

namespace gatehouse::cli {

bool read_line(std::FILE* in, std::string& line) {
  static thread_local char* buffer = nullptr;
  static thread_local size_t capacity = 0;
  ssize_t n = ::getline(&buffer, &capacity, in);  // handles NUL bytes and any line length
  if (n < 0) return false;
  if (n > 0 && buffer[n - 1] == '\n') --n;
  line.assign(buffer, size_t(n));
  return true;
}

void append_id_array(std::string& out, const std::vector<uint32_t>& ids) {
  out += '[';
  char digits[16];
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ", ";
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ids[i]);
    out.append(digits, end);
  }
  out += ']';
}

void write_out(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

}  // namespace gatehouse::cli
