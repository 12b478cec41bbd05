// The gateway's HTTP exchanges with an upstream, and how their failures become UpstreamErrors.
// Each thread keeps one keep-alive client (thread_local), so calls from many threads share no
// connection and take no lock. Keys go only into the Authorization header and are scrubbed from
// every message, in case an upstream echoes them.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/secret_string.h"
#include "gateway/upstream_error.h"
#include "http/client.h"
#include "http/sse_reader.h"

namespace gatehouse::gateway::providers {

// A non-streamed answer larger than this is refused (UpstreamError 502).
inline constexpr std::size_t kMaxAnswerBytes = 32u << 20;

struct Exchange {
  std::string url;
  std::optional<SecretString> key;
  std::chrono::steady_clock::time_point deadline;
  std::function<bool()> cancelled;
  bool hugging_face = false;  // HF's message-based error rules apply
};

// GET (body nullopt) or POST of JSON; a 2xx answer's body parsed as JSON (its status and headers
// into `head` when given). Non-2xx, network failures, timeouts and bodies that are not JSON throw
// UpstreamError.
boost::json::value call_json(const Exchange& exchange, const std::optional<boost::json::object>& body,
                             http::ClientResponse* head = nullptr);

// POST of JSON answered by server-sent events, passed to on_event as they arrive. Throws
// UpstreamError for the same failures, and when the stream ends mid-event.
void call_events(const Exchange& exchange, const boost::json::object& body, const http::SseReader::EventSink& on_event);

// The error an upstream's answer with a non-2xx status becomes: LiteLLM's status for it, and the
// provider's own message (TGI's {"error": "..."}, OpenAI's {"error": {"message"}}, {"message"},
// {"detail"}, or the body's text), with Hugging Face's message rules first when hugging_face.
UpstreamError status_error(int status, std::string_view body, std::string_view url, bool hugging_face,
                           std::optional<std::chrono::seconds> retry_after = std::nullopt);

// Replaces every occurrence of the key in `text` with ***.
void scrub(std::string& text, const std::optional<SecretString>& key);

// A Retry-After header's delay in seconds (the date form is not read).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

// The message of an error answer's body, at most a few hundred bytes and printable.
std::string provider_message(std::string_view body);

// An UpstreamError(502) for an answer the gateway cannot read ("malformed JSON", "no choices").
UpstreamError malformed_answer(std::string_view url, const std::string& what);

}  // namespace gatehouse::gateway::providers
