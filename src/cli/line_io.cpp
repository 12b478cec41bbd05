#include "cli/line_io.h"

#include <stdio.h>
#include <termios.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <charconv>

#include "base/error.h"

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

namespace gatehouse::cli {

int run_jsonl_lines(const std::function<std::string(std::string& line, const std::string& document)>& handle) {
  std::string line, out;
  size_t line_number = 0;
  bool failed = false;
  while (read_line(stdin, line)) {
    ++line_number;
    try {
      out = handle(line, "stdin line " + std::to_string(line_number));
    } catch (const Error& error) {
      failed = true;
      out = boost::json::serialize(boost::json::object{{"error", error.what()}});
      std::fprintf(stderr, "gatehouse: error: %s\n", error.what());
    }
    out += '\n';
    write_out(out);
  }
  return failed ? 1 : 0;
}

std::string read_hidden_line(const char* prompt) {
  const bool terminal = isatty(STDIN_FILENO);
  termios saved{};
  if (terminal) {
    std::fprintf(stderr, "%s", prompt);
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  read_line(stdin, line);
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  }
  return line;
}

}  // namespace gatehouse::cli
