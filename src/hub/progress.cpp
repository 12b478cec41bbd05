#include "hub/progress.h"

#include <cstdio>

namespace gatehouse::hub {

Progress::Progress(std::string label, uint64_t total) : label_(std::move(label)), total_(total) {}

Progress::~Progress() { draw(true); }

void Progress::add(int64_t bytes) {
  done_ += bytes;
  auto now = std::chrono::steady_clock::now();
  std::unique_lock lock(draw_mutex_, std::try_to_lock);
  if (!lock || now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  lock.unlock();
  draw(false);
}

void Progress::draw(bool final) {
  std::lock_guard lock(draw_mutex_);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double done = double(std::max<int64_t>(done_.load(), 0));
  double percent = total_ ? 100.0 * done / double(total_) : 100.0;
  std::fprintf(stderr, "\r%s %5.1f%% %.1f/%.1f MB %.1f MB/s%s", label_.c_str(), percent, done / 1e6, double(total_) / 1e6,
               seconds > 0 ? done / 1e6 / seconds : 0.0, final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace gatehouse::hub
