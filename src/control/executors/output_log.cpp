#include "control/executors/output_log.h"

#include <algorithm>

#include "base/utf8.h"

namespace gatehouse::control {

void OutputLog::append(std::string_view replica, std::string_view text) {
  std::lock_guard lock(mutex_);
  lines_.push_back(OutputLine{next_seq_++, std::string(replica), std::string(text)});
  while (lines_.size() > max_lines_) lines_.pop_front();
}

std::vector<OutputLine> OutputLog::lines(uint64_t after_seq, size_t tail) const {
  std::lock_guard lock(mutex_);
  // Sequence numbers are consecutive, so the first line above after_seq is found by arithmetic.
  size_t first = 0;
  if (!lines_.empty() && after_seq >= lines_.front().seq) first = std::min<uint64_t>(after_seq - lines_.front().seq + 1, lines_.size());
  first = std::max(first, lines_.size() - std::min(tail, lines_.size()));
  return {lines_.begin() + std::ptrdiff_t(first), lines_.end()};
}

uint64_t OutputLog::last_seq() const {
  std::lock_guard lock(mutex_);
  return next_seq_ - 1;
}

std::vector<std::string> OutputLog::tail_of(std::string_view replica, size_t count, uint64_t after_seq) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (auto line = lines_.rbegin(); line != lines_.rend() && line->seq > after_seq && out.size() < count; ++line) {
    if (line->replica != replica) continue;
    if (line->text.find_first_not_of(" \t") == std::string::npos) continue;
    out.push_back(line->text);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

void LineSplitter::feed(std::string_view bytes, const std::function<void(std::string_view)>& emit) {
  for (char c : bytes) {
    if (c == '\n') {
      end_line(emit);
      continue;
    }
    if (c == '\r') {
      after_carriage_return_ = true;  // "\r\n" ends a line like "\n"; "\r" then text redraws it
      continue;
    }
    if (after_carriage_return_) {
      pending_.clear();
      cut_bytes_ = 0;
      after_carriage_return_ = false;
    }
    if (pending_.size() < max_line_bytes_) {
      pending_.push_back(c);
    } else {
      ++cut_bytes_;
    }
  }
}

void LineSplitter::finish(const std::function<void(std::string_view)>& emit) {
  if (!pending_.empty() || cut_bytes_ > 0) end_line(emit);
}

void LineSplitter::end_line(const std::function<void(std::string_view)>& emit) {
  std::string line = utf8::sanitize(pending_);
  if (cut_bytes_ > 0) line += " [" + std::to_string(cut_bytes_) + " more bytes cut]";
  emit(line);
  pending_.clear();
  cut_bytes_ = 0;
  after_carriage_return_ = false;
}

}  // namespace gatehouse::control
