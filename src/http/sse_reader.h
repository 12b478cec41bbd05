// An incremental reader of Server-Sent Events (the WHATWG event-stream format) for clients of
// streaming APIs (OpenAI's and TGI's): bytes go in as they arrive, split anywhere (inside a line,
// between CR and LF, inside a UTF-8 sequence), and whole events come out with their data (data
// lines joined by "\n"), event type and id. Comment lines and events without data are skipped, as
// browsers skip them. One reader per stream; not thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace gatehouse::http {

struct SseEvent {
  std::string data;
  std::string event;  // the "event:" field; empty means "message"
  std::string id;     // the last "id:" seen on this stream

  // OpenAI's end-of-stream marker, `data: [DONE]`.
  bool is_done() const { return data == "[DONE]"; }
};

class SseReader {
 public:
  using EventSink = std::function<void(const SseEvent&)>;

  // An event (or a line) longer than max_event_bytes throws Error(resource_exhausted), so a stream
  // without line breaks cannot grow memory without bound.
  explicit SseReader(std::size_t max_event_bytes = kDefaultMaxEventBytes);

  // Consumes the bytes and calls `sink` for each event they complete, in order. An exception from
  // the sink propagates; the reader should then be discarded.
  void feed(std::string_view bytes, const EventSink& sink);

  // True while a line or an event has started and not ended: a stream that stops here was cut.
  bool mid_event() const;

  static constexpr std::size_t kDefaultMaxEventBytes = 8u << 20;

 private:
  void line(std::string_view text, const EventSink& sink);

  std::size_t max_event_bytes_;
  std::string line_;       // the unfinished line
  bool after_cr_ = false;  // the last byte was CR: an LF right after it ends nothing new
  bool at_start_ = true;   // a UTF-8 byte order mark here is skipped
  bool has_data_ = false;
  bool has_fields_ = false;
  SseEvent pending_;
  std::string last_id_;
};

}  // namespace gatehouse::http
