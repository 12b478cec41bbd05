#include "http/sse_reader.h"

#include "base/error.h"

namespace gatehouse::http {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

}  // namespace

SseReader::SseReader(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

void SseReader::feed(std::string_view bytes, const EventSink& sink) {
  if (at_start_) {
    // The mark may itself arrive split; hold back a prefix of it until it is decided.
    line_.append(bytes);
    if (line_.size() < kByteOrderMark.size() && kByteOrderMark.substr(0, line_.size()) == line_) return;
    at_start_ = false;
    std::string buffered = std::move(line_);
    line_.clear();
    std::string_view rest = buffered;
    if (rest.substr(0, kByteOrderMark.size()) == kByteOrderMark) rest.remove_prefix(kByteOrderMark.size());
    feed(rest, sink);
    return;
  }
  while (!bytes.empty()) {
    if (after_cr_ && bytes.front() == '\n') bytes.remove_prefix(1);
    after_cr_ = false;
    const std::size_t end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      if (line_.size() + bytes.size() + pending_.data.size() > max_event_bytes_) {
        throw Error(ErrorCode::resource_exhausted,
                    "a server-sent event is longer than the limit of " + std::to_string(max_event_bytes_) + " bytes");
      }
      line_.append(bytes);
      return;
    }
    after_cr_ = bytes[end] == '\r';
    if (line_.empty()) {
      line(bytes.substr(0, end), sink);
    } else {
      line_.append(bytes.substr(0, end));
      std::string whole = std::move(line_);
      line_.clear();
      line(whole, sink);
    }
    bytes.remove_prefix(end + 1);
  }
}

void SseReader::line(std::string_view text, const EventSink& sink) {
  if (text.empty()) {
    SseEvent event = std::move(pending_);
    const bool dispatch = has_data_;
    pending_ = SseEvent{};
    has_data_ = has_fields_ = false;
    if (!dispatch) return;
    event.id = last_id_;
    sink(event);
    return;
  }
  if (text.front() == ':') return;  // a comment (keep-alive)
  has_fields_ = true;
  const std::size_t colon = text.find(':');
  std::string_view name = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (name == "data") {
    if (pending_.data.size() + value.size() + 1 > max_event_bytes_) {
      throw Error(ErrorCode::resource_exhausted,
                  "a server-sent event is longer than the limit of " + std::to_string(max_event_bytes_) + " bytes");
    }
    if (has_data_) pending_.data += '\n';
    pending_.data.append(value);
    has_data_ = true;
  } else if (name == "event") {
    pending_.event.assign(value);
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
  }
  // "retry" and unknown fields are ignored, as the format says.
}

bool SseReader::mid_event() const { return !line_.empty() || has_fields_; }

}  // namespace gatehouse::http
