// HTTP client for the Hub downloader and mirror: libcurl behind a small value API. Requests and
// responses are plain structs; the bearer token is a SecretString that goes only into the
// `authorization` header (never into logs or errors). Network failures throw
// Error(unavailable); HTTP error statuses are returned, not thrown, so callers map them.
// One HttpClient per thread: it owns one curl easy handle whose keep-alive connections are
// reused across requests. Not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/secret_string.h"

namespace gatehouse::http {

struct ClientRequest {
  std::string method = "GET";  // GET, HEAD, POST, or any other token (sent as given)
  std::string url;             // http:// or https:// only
  // Extra headers, sent as given. A header here replaces the default of the same name
  // (user-agent "gatehouse/0.1", accept-encoding "identity"). Bodies are never decoded.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<SecretString> bearer_token;  // sent as "authorization: Bearer ...", never logged
  // When false a 3xx is returned as is. When true, up to max_redirects hops are followed;
  // authorization (and cookie) headers are dropped as soon as the scheme, host or port changes,
  // and 303 (or 301/302 after a POST) turns the request into a body-less GET.
  bool follow_redirects = false;
  int max_redirects = 10;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{0};                // whole transfer; 0 = none
  std::chrono::milliseconds low_speed_timeout{30000};  // aborts after this long below 1 byte/s; 0 = off
  // send() only: a body larger than this throws Error(resource_exhausted).
  std::optional<std::size_t> max_body_bytes;
  // Polled while the transfer runs (at least once a second, also while no byte arrives); when it
  // returns true the transfer is aborted, its connection closed, and Error(unavailable) thrown.
  std::function<bool()> cancelled;
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;                                          // empty for download()
  std::string effective_url;                                 // the URL that gave this response

  // The first header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

// Called once with the final response's status and headers (body empty) before the first chunk;
// return false to stop the transfer (download() then returns that response without throwing).
using HeadersCallback = std::function<bool(const ClientResponse&)>;
// Receives the body in order, chunk by chunk.
using ChunkSink = std::function<void(std::string_view chunk)>;
// Bytes of this response's body so far, and its Content-Length when the server sent one.
using ProgressCallback = std::function<void(std::uint64_t received, std::optional<std::uint64_t> total)>;

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request and returns the whole response with its body in memory.
  // Throws Error(unavailable) on network failure (DNS, refused, reset, timeout, partial body),
  // Error(invalid_argument) for a bad URL or header, Error(resource_exhausted) past max_body_bytes.
  ClientResponse send(const ClientRequest& request);

  // Streams the final response's body to `sink` (intermediate redirect bodies are discarded).
  // Same errors as send(); chunks received before a failure have already reached the sink.
  // An exception thrown by a callback aborts the transfer and propagates unchanged.
  ClientResponse download(const ClientRequest& request, const ChunkSink& sink);
  ClientResponse download(const ClientRequest& request, const HeadersCallback& on_headers,
                          const ChunkSink& sink, const ProgressCallback& progress = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `base` and `path` joined by exactly one '/': url_join("https://h/p/", "/api/x") ==
// "https://h/p/api/x". An empty path returns base unchanged. No RFC 3986 resolution.
std::string url_join(std::string_view base, std::string_view path);

// RFC 3986 resolution of `reference` (absolute, or relative like a Location header) against the
// absolute URL `base`. Throws Error(invalid_argument) if either cannot be parsed.
std::string resolve_url(std::string_view base, std::string_view reference);

// True when both URLs have the same scheme, host (case-insensitive) and port (defaults filled in).
// False if either cannot be parsed.
bool same_origin(std::string_view a, std::string_view b);

// scheme://host[:port]/path with user info, query and fragment removed, for messages and logs
// (pre-signed URLs carry credentials in the query). "(invalid URL)" if it cannot be parsed.
std::string redact_url(std::string_view url);

// The target of a `Link: <url>; rel="next"` header (all link headers, comma-separated entries),
// resolved against response.effective_url when relative. nullopt when there is none.
std::optional<std::string> next_link(const ClientResponse& response);

// A parsed `Content-Range` value: "bytes first-last/total", "bytes first-last/*", or
// "bytes */total" (unsatisfied, as sent with 416).
struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::optional<std::uint64_t> total;
  bool unsatisfied = false;  // "bytes */total": first and last are meaningless
};

// nullopt for anything malformed: other units, last < first, last >= total, overflow, junk.
std::optional<ContentRange> parse_content_range(std::string_view value);

}  // namespace gatehouse::http
