#include "http/client.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <mutex>

#include "base/error.h"
#include "http/header_text.h"

namespace gatehouse::http {
namespace {

constexpr const char* kUserAgent = "gatehouse/0.1";
constexpr long kBufferSize = 256 * 1024;

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(), ascii_lower);
  return result;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool has_header(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool is_credential_header(std::string_view name) {
  return iequals(name, "authorization") || iequals(name, "cookie") || iequals(name, "proxy-authorization");
}

void check_header_text(std::string_view text) {
  if (text.find_first_of("\r\n", 0) != std::string_view::npos || text.find('\0') != std::string_view::npos) {
    throw Error(ErrorCode::invalid_argument, "HTTP header names and values cannot contain line breaks");
  }
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw Error(ErrorCode::internal, "libcurl initialisation failed");
    }
  });
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void append(Slist& list, const std::string& line) {
  curl_slist* next = curl_slist_append(list.get(), line.c_str());
  if (next == nullptr) throw Error(ErrorCode::resource_exhausted, "out of memory building HTTP headers");
  list.release();
  list.reset(next);
}

// One hop of a request: what goes on the wire.
struct Hop {
  std::string url;
  std::string method;
  const std::string* body = nullptr;
  bool send_credentials = true;
};

// State shared with the curl callbacks during one hop.
struct Transfer {
  const ClientRequest* request = nullptr;
  bool follow = false;
  bool collect = false;  // send(): body into response.body
  const HeadersCallback* on_headers = nullptr;
  const ChunkSink* sink = nullptr;
  const ProgressCallback* progress = nullptr;

  ClientResponse response;
  bool headers_complete = false;
  bool redirecting = false;  // this response is a redirect we follow: discard its body
  bool aborted = false;      // on_headers returned false
  bool too_large = false;
  bool cancelled = false;  // request->cancelled said so
  std::uint64_t received = 0;
  std::optional<std::uint64_t> total;
  std::exception_ptr error;
};

void start_response(Transfer& t, std::string_view status_line) {
  t.response.headers.clear();
  t.response.status = 0;
  t.headers_complete = false;
  // "HTTP/1.1 200 OK" or "HTTP/2 200"
  size_t space = status_line.find(' ');
  if (space != std::string_view::npos) {
    std::string_view rest = status_line.substr(space + 1);
    std::string_view code = rest.substr(0, std::min<size_t>(3, rest.size()));
    if (auto value = parse_u64(code)) t.response.status = static_cast<int>(*value);
  }
}

// Returns false to abort the transfer.
bool finish_headers(Transfer& t) {
  if (t.response.status >= 100 && t.response.status < 200) return true;  // interim; more follow
  t.headers_complete = true;
  t.redirecting = t.follow && is_redirect(t.response.status) && t.response.header("location") != nullptr;
  if (t.redirecting) return true;
  if (const std::string* length = t.response.header("content-length")) t.total = parse_u64(*length);
  if (t.collect && t.request->max_body_bytes && t.total && *t.total > *t.request->max_body_bytes) {
    t.too_large = true;
    return false;
  }
  if (t.on_headers != nullptr && *t.on_headers && !(*t.on_headers)(t.response)) {
    t.aborted = true;
    return false;
  }
  return true;
}

size_t on_header_line(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  size_t n = size * count;
  try {
    std::string_view line(data, n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.substr(0, 5) == "HTTP/") {
      start_response(t, line);
    } else if (t.headers_complete) {
      // trailers after a chunked body: ignored
    } else if (line.empty()) {
      if (!finish_headers(t)) return 0;
    } else if ((line.front() == ' ' || line.front() == '\t') && !t.response.headers.empty()) {
      std::string& value = t.response.headers.back().second;
      value += ' ';
      value += trim(line);
    } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
      t.response.headers.emplace_back(lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
    }
    return n;
  } catch (...) {
    t.error = std::current_exception();
    return 0;
  }
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t.redirecting) return n;
  try {
    std::string_view chunk(data, n);
    if (t.collect) {
      if (t.request->max_body_bytes && t.response.body.size() + n > *t.request->max_body_bytes) {
        t.too_large = true;
        return 0;
      }
      t.response.body.append(chunk);
    } else if (t.sink != nullptr && *t.sink) {
      (*t.sink)(chunk);
    }
    t.received += n;
    if (t.progress != nullptr && *t.progress) (*t.progress)(t.received, t.total);
    return n;
  } catch (...) {
    t.error = std::current_exception();
    return 0;
  }
}

int on_transfer_info(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& t = *static_cast<Transfer*>(user);
  try {
    t.cancelled = t.request->cancelled();
  } catch (...) {
    t.error = std::current_exception();
    return 1;
  }
  return t.cancelled ? 1 : 0;
}

ErrorCode code_for(CURLcode rc) {
  switch (rc) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return ErrorCode::invalid_argument;
    case CURLE_OUT_OF_MEMORY:
      return ErrorCode::resource_exhausted;
    default:
      return ErrorCode::unavailable;
  }
}

// Replaces every occurrence of `secret` in `text` by "***".
void scrub(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
}

}  // namespace

const std::string* ClientResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return &value;
  }
  return nullptr;
}

struct HttpClient::Impl {
  CURL* handle = nullptr;
  char error_buffer[CURL_ERROR_SIZE] = {};

  Impl() {
    global_init();
    handle = curl_easy_init();
    if (handle == nullptr) throw Error(ErrorCode::internal, "cannot create a libcurl handle");
  }
  ~Impl() { curl_easy_cleanup(handle); }

  template <typename T>
  void set(CURLoption option, T value) {
    if (CURLcode rc = curl_easy_setopt(handle, option, value); rc != CURLE_OK) {
      throw Error(ErrorCode::internal, "libcurl option " + std::to_string(int(option)) + " rejected: " + curl_easy_strerror(rc));
    }
  }

  Slist build_headers(const ClientRequest& request, const Hop& hop) {
    Slist list;
    for (const auto& [name, value] : request.headers) {
      check_header_text(name);
      check_header_text(value);
      if (name.empty() || name.find(':') != std::string::npos) {
        throw Error(ErrorCode::invalid_argument, "bad HTTP header name '" + name + "'");
      }
      if (!hop.send_credentials && is_credential_header(name)) continue;
      // curl syntax: "Name;" sends an empty header, "Name:" would remove it.
      append(list, value.empty() ? name + ";" : name + ": " + value);
    }
    if (request.bearer_token && hop.send_credentials && !has_header(request.headers, "authorization")) {
      check_header_text(request.bearer_token->reveal());
      append(list, "Authorization: Bearer " + request.bearer_token->reveal());
    }
    if (!has_header(request.headers, "accept-encoding")) append(list, "Accept-Encoding: identity");
    if (!has_header(request.headers, "expect")) append(list, "Expect:");  // no 100-continue round trip
    if (hop.body != nullptr && !has_header(request.headers, "content-type")) {
      append(list, "Content-Type:");  // not curl's default form type
    }
    return list;
  }

  void configure(const ClientRequest& request, const Hop& hop, Transfer& transfer, curl_slist* headers) {
    curl_easy_reset(handle);  // keeps live connections, DNS and TLS session caches
    error_buffer[0] = '\0';
    set(CURLOPT_ERRORBUFFER, error_buffer);
    set(CURLOPT_URL, hop.url.c_str());
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    // Best effort: libcurl 7.88 refuses a new size while a receive buffer from an earlier
    // transfer is still allocated (it is after some failures); the default then stays.
    curl_easy_setopt(handle, CURLOPT_BUFFERSIZE, kBufferSize);
    set(CURLOPT_HEADERFUNCTION, &on_header_line);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
    set(CURLOPT_WRITEFUNCTION, &on_body);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
    if (!has_header(request.headers, "user-agent")) set(CURLOPT_USERAGENT, kUserAgent);
    set(CURLOPT_HTTPHEADER, headers);
    if (request.connect_timeout.count() > 0) set(CURLOPT_CONNECTTIMEOUT_MS, long(request.connect_timeout.count()));
    if (request.timeout.count() > 0) set(CURLOPT_TIMEOUT_MS, long(request.timeout.count()));
    if (request.cancelled) {
      set(CURLOPT_NOPROGRESS, 0L);
      set(CURLOPT_XFERINFOFUNCTION, &on_transfer_info);
      set(CURLOPT_XFERINFODATA, static_cast<void*>(&transfer));
    }
    if (request.low_speed_timeout.count() > 0) {
      long seconds = long((request.low_speed_timeout.count() + 999) / 1000);
      set(CURLOPT_LOW_SPEED_LIMIT, 1L);
      set(CURLOPT_LOW_SPEED_TIME, seconds);
    }
    if (hop.method == "HEAD") {
      set(CURLOPT_NOBODY, 1L);
    } else if (hop.method == "GET" && hop.body == nullptr) {
      set(CURLOPT_HTTPGET, 1L);
    } else {
      if (hop.method != "POST") {
        check_header_text(hop.method);
        set(CURLOPT_CUSTOMREQUEST, hop.method.c_str());
      }
      if (hop.body != nullptr) {
        set(CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(hop.body->size()));
        set(CURLOPT_POSTFIELDS, hop.body->data());
      }
    }
  }

  [[noreturn]] void fail(const ClientRequest& request, const Hop& hop, CURLcode rc) {
    std::string detail = error_buffer[0] != '\0' ? std::string(error_buffer) : curl_easy_strerror(rc);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) detail.pop_back();
    std::string message = hop.method + " " + redact_url(hop.url) + " failed: " + detail;
    if (request.bearer_token) scrub(message, request.bearer_token->reveal());
    if (size_t query = hop.url.find('?'); query != std::string::npos) {
      scrub(message, std::string_view(hop.url).substr(query + 1));
    }
    throw Error(code_for(rc), message);
  }

  ClientResponse run(const ClientRequest& request, Transfer& transfer) {
    transfer.request = &request;
    transfer.follow = request.follow_redirects;
    Hop hop{request.url, request.method, nullptr, true};
    bool method_has_body = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    if (!request.body.empty() || method_has_body) hop.body = &request.body;
    for (int hops = 0;; ++hops) {
      Slist headers = build_headers(request, hop);
      transfer.response = ClientResponse{};
      transfer.response.effective_url = hop.url;
      transfer.headers_complete = transfer.redirecting = transfer.aborted = transfer.too_large = transfer.cancelled = false;
      transfer.received = 0;
      transfer.total.reset();
      configure(request, hop, transfer, headers.get());
      CURLcode rc = curl_easy_perform(handle);
      curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
      if (transfer.error) std::rethrow_exception(transfer.error);
      if (transfer.aborted) return std::move(transfer.response);
      if (transfer.cancelled) throw Error(ErrorCode::unavailable, request.method + " " + redact_url(hop.url) + " was cancelled");
      if (transfer.too_large) {
        throw Error(ErrorCode::resource_exhausted,
                    "the response of " + redact_url(hop.url) + " is larger than the limit of " +
                        std::to_string(*request.max_body_bytes) + " bytes");
      }
      if (rc != CURLE_OK) fail(request, hop, rc);
      long status = 0;
      curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
      transfer.response.status = static_cast<int>(status);
      if (!transfer.redirecting) return std::move(transfer.response);

      if (hops >= request.max_redirects) {
        throw Error(ErrorCode::unavailable, request.method + " " + redact_url(request.url) + " failed: more than " +
                                                std::to_string(request.max_redirects) + " redirects");
      }
      std::string next = resolve_url(hop.url, *transfer.response.header("location"));
      if (!same_origin(hop.url, next)) hop.send_credentials = false;
      int code = transfer.response.status;
      if ((code == 303 && hop.method != "HEAD") || ((code == 301 || code == 302) && hop.method == "POST")) {
        hop.method = "GET";
        hop.body = nullptr;
      }
      hop.url = std::move(next);
    }
  }
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

ClientResponse HttpClient::send(const ClientRequest& request) {
  Transfer transfer;
  transfer.collect = true;
  return impl_->run(request, transfer);
}

ClientResponse HttpClient::download(const ClientRequest& request, const ChunkSink& sink) {
  return download(request, HeadersCallback{}, sink);
}

ClientResponse HttpClient::download(const ClientRequest& request, const HeadersCallback& on_headers,
                                    const ChunkSink& sink, const ProgressCallback& progress) {
  Transfer transfer;
  transfer.on_headers = &on_headers;
  transfer.sink = &sink;
  transfer.progress = &progress;
  return impl_->run(request, transfer);
}

// ---- Link and Content-Range parsing ----

std::optional<std::string> next_link(const ClientResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (name != "link") continue;
    std::string_view rest = value;
    while (true) {
      size_t open = rest.find('<');
      if (open == std::string_view::npos) break;
      size_t close = rest.find('>', open + 1);
      if (close == std::string_view::npos) break;
      std::string_view target = rest.substr(open + 1, close - open - 1);
      rest.remove_prefix(close + 1);
      // Parameters run to the next entry: a ',' outside quotes.
      size_t end = 0;
      bool quoted = false;
      for (; end < rest.size(); ++end) {
        if (rest[end] == '"') quoted = !quoted;
        if (rest[end] == ',' && !quoted) break;
      }
      std::string_view params = rest.substr(0, end);
      rest.remove_prefix(end);
      // Look for rel=next / rel="next" / rel="prev next" among ';'-separated params.
      bool is_next = false;
      while (!params.empty()) {
        size_t semi = params.find(';');
        std::string_view param = trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        size_t eq = param.find('=');
        if (eq == std::string_view::npos || !iequals(trim(param.substr(0, eq)), "rel")) continue;
        std::string_view rel = trim(param.substr(eq + 1));
        if (rel.size() >= 2 && rel.front() == '"' && rel.back() == '"') rel = rel.substr(1, rel.size() - 2);
        while (!rel.empty()) {
          size_t space = rel.find(' ');
          if (iequals(rel.substr(0, space), "next")) is_next = true;
          rel = space == std::string_view::npos ? std::string_view{} : rel.substr(space + 1);
        }
      }
      if (is_next) {
        target = trim(target);
        if (response.effective_url.empty()) return std::string(target);
        try {
          return resolve_url(response.effective_url, target);
        } catch (const Error&) {
          return std::nullopt;
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<ContentRange> parse_content_range(std::string_view value) {
  value = trim(value);
  if (value.size() < 6 || !iequals(value.substr(0, 6), "bytes ")) return std::nullopt;
  value.remove_prefix(6);
  value = trim(value);
  size_t slash = value.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view range = value.substr(0, slash);
  std::string_view total = value.substr(slash + 1);
  ContentRange result;
  if (total != "*") {
    result.total = parse_u64(total);
    if (!result.total) return std::nullopt;
  }
  if (range == "*") {
    if (!result.total) return std::nullopt;  // "bytes */*" says nothing
    result.unsatisfied = true;
    return result;
  }
  size_t dash = range.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto first = parse_u64(range.substr(0, dash));
  auto last = parse_u64(range.substr(dash + 1));
  if (!first || !last || *last < *first) return std::nullopt;
  if (result.total && *last >= *result.total) return std::nullopt;
  result.first = *first;
  result.last = *last;
  return result;
}

}  // namespace gatehouse::http
