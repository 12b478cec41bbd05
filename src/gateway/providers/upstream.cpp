#include "gateway/providers/upstream.h"

#include <boost/json.hpp>
#include <charconv>
#include <exception>

#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "base/utf8.h"
#include "http/client.h"

namespace gatehouse::gateway::providers {
namespace bj = boost::json;
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxMessageBytes = 500;
constexpr std::chrono::milliseconds kConnectTimeout{10000};

http::HttpClient& thread_client() {
  thread_local http::HttpClient client;
  return client;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::optional<std::chrono::seconds> retry_after(const http::ClientResponse& response) {
  const std::string* value = response.header("retry-after");
  return value ? parse_retry_after(*value) : std::nullopt;
}

http::ClientRequest make_request(const Exchange& exchange, const std::optional<bj::object>& body, bool events) {
  http::ClientRequest request;
  request.url = exchange.url;
  request.bearer_token = exchange.key;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(exchange.deadline - Clock::now());
  if (left.count() <= 0) throw UpstreamError(408, "no time was left to call " + http::redact_url(exchange.url));
  request.timeout = left;
  request.connect_timeout = std::min(left, kConnectTimeout);
  request.low_speed_timeout = std::chrono::milliseconds(0);  // a model may think long before its first byte
  request.max_body_bytes = kMaxAnswerBytes;
  request.cancelled = exchange.cancelled;
  request.headers.emplace_back("accept", events ? "text/event-stream" : "application/json");
  if (body) {
    request.method = "POST";
    request.headers.emplace_back("content-type", "application/json");
    request.body = json::serialize(*body);
  }
  return request;
}

// What a failed transfer becomes: cancelled (499), out of time (408), too large (502), or a
// connection that could not be made or broke (500, as LiteLLM's APIConnectionError).
[[noreturn]] void transfer_failed(const Exchange& exchange, const Error& error) {
  if (exchange.cancelled && exchange.cancelled()) {
    throw UpstreamError(499, "the request to " + http::redact_url(exchange.url) + " was cancelled by its client");
  }
  std::string detail = error.what();
  scrub(detail, exchange.key);
  if (Clock::now() >= exchange.deadline - std::chrono::milliseconds(50)) {
    throw UpstreamError(408, http::redact_url(exchange.url) + " did not answer in time: " + detail);
  }
  if (error.code() == ErrorCode::resource_exhausted) {
    throw UpstreamError(502, "the answer of " + http::redact_url(exchange.url) + " is too large: " + detail);
  }
  if (error.code() == ErrorCode::invalid_argument) throw UpstreamError(400, detail);
  throw UpstreamError(500, "APIConnectionError: cannot reach " + http::redact_url(exchange.url) + ": " + detail);
}

}  // namespace

void scrub(std::string& text, const std::optional<SecretString>& key) {
  if (!key || key->empty()) return;
  const std::string& secret = key->reveal();
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) text.replace(at, secret.size(), "***");
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
  long long seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

std::string provider_message(std::string_view body) {
  std::string message;
  try {
    const bj::value parsed = json::parse(body, "error answer");
    if (const bj::object* object = parsed.if_object()) {
      const bj::value* error = object->if_contains("error");
      if (error && error->is_object()) error = error->get_object().if_contains("message");
      if (!error || !error->is_string()) error = object->if_contains("message");
      if (!error || !error->is_string()) error = object->if_contains("detail");
      if (error && error->is_string()) message = std::string(error->get_string());
    }
  } catch (const Error&) {
  }
  if (message.empty()) message = std::string(body);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r' || message.back() == ' ')) message.pop_back();
  if (message.size() > kMaxMessageBytes) {
    message.resize(utf8::complete_prefix_length(std::string_view(message).substr(0, kMaxMessageBytes)));
    message += "...";
  }
  if (message.empty()) return "(no message)";
  return log::printable(message);
}

UpstreamError status_error(int status, std::string_view body, std::string_view url, bool hugging_face,
                           std::optional<std::chrono::seconds> retry) {
  const std::string message = provider_message(body);
  int answered = gateway_status_for_upstream(status);
  std::string kind;
  if (hugging_face) {
    // LiteLLM's Hugging Face rules look at the message before the status.
    if (contains(message, "length limit exceeded")) {
      answered = 400;
      kind = "ContextWindowExceededError: ";
    } else if (contains(message, "A valid user token is required")) {
      answered = 400;
    } else if (contains(message, "Rate limit reached")) {
      answered = 429;
    }
  }
  return UpstreamError(answered, kind + http::redact_url(url) + " answered " + std::to_string(status) + ": " + message, retry);
}

UpstreamError malformed_answer(std::string_view url, const std::string& what) {
  return UpstreamError(502, "the answer of " + http::redact_url(url) + " cannot be read: " + what);
}

bj::value call_json(const Exchange& exchange, const std::optional<bj::object>& body, http::ClientResponse* head) {
  const http::ClientRequest request = make_request(exchange, body, false);
  http::ClientResponse response;
  try {
    response = thread_client().send(request);
  } catch (const Error& error) {
    transfer_failed(exchange, error);
  }
  if (response.status < 200 || response.status >= 300) {
    std::string text = std::move(response.body);
    scrub(text, exchange.key);
    throw status_error(response.status, text, exchange.url, exchange.hugging_face, retry_after(response));
  }
  bj::value parsed;
  try {
    parsed = json::parse(response.body, "the upstream's answer");
  } catch (const Error& error) {
    throw malformed_answer(exchange.url, error.what());
  }
  if (head != nullptr) {
    response.body.clear();
    *head = std::move(response);
  }
  return parsed;
}

void call_events(const Exchange& exchange, const bj::object& body, const http::SseReader::EventSink& on_event) {
  const http::ClientRequest request = make_request(exchange, body, true);
  http::SseReader reader;
  int status = 0;
  std::string error_body;  // a non-2xx answer's body, bounded
  bool event_stream = true;
  std::string plain_body;  // an answer that is not an event stream (some servers ignore "stream")
  auto on_headers = [&](const http::ClientResponse& head) {
    status = head.status;
    const std::string* type = head.header("content-type");
    event_stream = type == nullptr || contains(*type, "text/event-stream");
    return true;
  };
  // What on_event throws (the caller's own errors, or a chunk that cannot be read) propagates as is.
  std::exception_ptr event_error;
  auto deliver = [&](const http::SseEvent& event) {
    try {
      on_event(event);
    } catch (...) {
      event_error = std::current_exception();
      throw;
    }
  };
  auto sink = [&](std::string_view chunk) {
    if (status < 200 || status >= 300 || !event_stream) {
      std::string& into = status < 200 || status >= 300 ? error_body : plain_body;
      if (into.size() + chunk.size() > kMaxAnswerBytes) {
        throw UpstreamError(502, "the answer of " + http::redact_url(exchange.url) + " is larger than the limit of " +
                                     std::to_string(kMaxAnswerBytes) + " bytes");
      }
      into.append(chunk);
      return;
    }
    reader.feed(chunk, deliver);
  };
  try {
    thread_client().download(request, on_headers, sink);
  } catch (const UpstreamError&) {
    throw;
  } catch (const Error& error) {
    if (event_error) throw;
    if (error.code() == ErrorCode::resource_exhausted && status >= 200 && status < 300) {
      throw UpstreamError(502, "the stream of " + http::redact_url(exchange.url) + " cannot be read: " + error.what());
    }
    transfer_failed(exchange, error);
  }
  if (status < 200 || status >= 300) {
    scrub(error_body, exchange.key);
    throw status_error(status, error_body, exchange.url, exchange.hugging_face);
  }
  if (!event_stream) {
    throw malformed_answer(exchange.url, "a stream was asked for, and the answer is not text/event-stream: " +
                                             provider_message(plain_body));
  }
  if (reader.mid_event()) throw malformed_answer(exchange.url, "the stream was cut in the middle of an event");
}

}  // namespace gatehouse::gateway::providers
