// The output of a local deployment's replicas, as numbered lines: a bounded buffer that keeps the
// last `max_lines` (older lines are dropped, numbering goes on), and a splitter that turns the bytes
// a replica writes into lines of bounded length. OutputLog is thread-safe (the supervisor appends,
// the API reads); a LineSplitter belongs to one reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "control/executor.h"

namespace gatehouse::control {

class OutputLog {
 public:
  explicit OutputLog(size_t max_lines) : max_lines_(max_lines) {}

  void append(std::string_view replica, std::string_view text);
  // Lines numbered above `after_seq`, at most the last `tail` of them, oldest first.
  std::vector<OutputLine> lines(uint64_t after_seq, size_t tail) const;
  // The last `count` lines `replica` wrote, numbered above `after_seq`, that are not blank; oldest first.
  std::vector<std::string> tail_of(std::string_view replica, size_t count, uint64_t after_seq = 0) const;
  uint64_t last_seq() const;  // the number of the last line appended (0 before the first)

 private:
  const size_t max_lines_;
  mutable std::mutex mutex_;
  std::deque<OutputLine> lines_;
  uint64_t next_seq_ = 1;
};

// Bytes to lines: a line ends at '\n'; a '\r' inside a line (a progress bar redrawing itself)
// keeps only what follows it, as a terminal would show it; invalid UTF-8 becomes U+FFFD; a line
// longer than `max_line_bytes` is cut there, saying so.
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}
  void feed(std::string_view bytes, const std::function<void(std::string_view)>& emit);
  // Emits what is left of an unfinished last line (at end of output).
  void finish(const std::function<void(std::string_view)>& emit);

 private:
  void end_line(const std::function<void(std::string_view)>& emit);

  const size_t max_line_bytes_;
  std::string pending_;
  size_t cut_bytes_ = 0;
  bool after_carriage_return_ = false;
};

}  // namespace gatehouse::control
