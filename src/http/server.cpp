// The server's connections (Boost.Beast and Asio); proxied exchanges are in proxy_relay.cpp.
#include "http/server.h"

#include <fcntl.h>
#include <sched.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include "base/error.h"
#include "base/log.h"
#include "http/cors.h"
#include "http/header_text.h"
#include "http/proxy_relay.h"
#include "http/server_connection.h"

namespace gatehouse::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

// Bodies up to this size are read through the buffer the headers came in; larger ones (and
// chunked ones) through a buffer of kBodyReadBytes.
constexpr size_t kSmallBodyBytes = 16 << 10;
constexpr size_t kBodyReadBytes = 256 << 10;
// Idle connections each event loop keeps per proxy upstream, and for how long. As many as the
// streams a loop may relay at once: a smaller pool would close and reopen connections all along.
constexpr size_t kIdleUpstreamConnections = 256;
constexpr auto kIdleUpstreamTime = std::chrono::seconds(30);

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;  // header names are ASCII tokens
  return out;
}

Response default_error_response(int status, const std::string& message) {
  return Response::json(status, boost::json::serialize(boost::json::object{{"error", message}}));
}

// Splits an origin-form or absolute-form target into path and query. An absolute-form target
// ("http://host:port/path?query", which servers must accept, RFC 9112 3.2.2) yields its authority,
// without any userinfo, as the Host the request is for.
void split_target(Request& request, std::optional<std::string>& authority) {
  std::string_view target = request.target;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() < scheme.size() || !iequals(target.substr(0, scheme.size()), scheme)) continue;
    std::string_view rest = target.substr(scheme.size());
    const size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
    std::string_view host = rest.substr(0, authority_end);
    if (size_t at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
    authority = std::string(host);
    std::string origin_form(rest.substr(authority_end));
    if (origin_form.empty() || origin_form[0] != '/') origin_form.insert(0, "/");
    request.target = std::move(origin_form);
    break;
  }
  const size_t question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) request.query = request.target.substr(question + 1);
}

// Why a request's Transfer-Encoding cannot be read (status and message), or nullopt when it can:
// the only coding this server decodes is chunked, and it must come last (RFC 9112 6.1, 6.3).
std::optional<std::pair<int, std::string>> transfer_coding_problem(const bhttp::fields& fields) {
  std::vector<std::string> codings;
  for (const auto& field : fields) {
    if (field.name() != bhttp::field::transfer_encoding) continue;
    for (std::string_view coding : split_list(field.value())) codings.emplace_back(coding);
  }
  for (size_t i = 0; i + 1 < codings.size(); ++i) {
    if (iequals(codings[i], "chunked")) {
      return std::pair(400, "Transfer-Encoding \"chunked\" must be the last coding of a request body; "
                            "its length cannot be determined");
    }
  }
  for (const std::string& coding : codings) {
    if (!iequals(coding, "chunked")) {
      return std::pair(501, "Transfer-Encoding \"" + coding + "\" is not supported: send the body with "
                            "Content-Length or \"Transfer-Encoding: chunked\" alone");
    }
  }
  return std::nullopt;
}

// RFC 9110 10.1.1: a client that sends "Expect: 100-continue" waits for an interim "100 Continue"
// (curl a second) before its body; an expectation other than that one cannot be met (417).
enum class Expectation { none, send_continue, unmet };

Expectation expectation(const bhttp::request_parser<bhttp::string_body>& parser) {
  const auto& header = parser.get();
  auto expect = header.find(bhttp::field::expect);
  if (expect == header.end()) return Expectation::none;
  std::string_view value = expect->value();
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (!iequals(value, "100-continue")) return Expectation::unmet;
  // No 100 to an HTTP/1.0 client (it would not know one), nor once the body has arrived anyway.
  return header.version() >= 11 && !parser.is_done() ? Expectation::send_continue : Expectation::none;
}

// Runs one event loop until it is stopped. With busy polling, the loop keeps asking for events
// without sleeping (epoll with a zero timeout) until `busy_poll` has passed with none, and only
// then blocks: on a virtual machine an idle CPU can take hundreds of microseconds to wake, which a
// proxy would otherwise pay on every hop (HAProxy's busy-polling answers the same problem).
void run_event_loop(asio::io_context& context, std::chrono::microseconds busy_poll) {
  if (busy_poll.count() <= 0) {
    context.run();
    return;
  }
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_event = Clock::now();
  while (!context.stopped()) {
    if (context.poll() > 0) {
      last_event = Clock::now();
    } else if (Clock::now() - last_event >= busy_poll) {
      context.run_one();
      last_event = Clock::now();
    } else {
      sched_yield();
    }
  }
}

}  // namespace

const std::string* Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

Response& Response::set_header(std::string name, std::string value) {
  for (auto it = headers.begin(); it != headers.end();) {
    it = strcasecmp(it->first.c_str(), name.c_str()) == 0 ? headers.erase(it) : it + 1;
  }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

Response Response::proxied(ProxyTarget target) {
  Response response;
  response.proxy = std::make_shared<const ProxyTarget>(std::move(target));
  return response;
}

Response Response::with_body(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers.emplace_back("Content-Type", std::move(content_type));
  return response;
}

void ResponseStream::write(std::string chunk) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || gone_ || whole_) return;
    written_ = true;
    pending_ += chunk;
    wake = std::move(wake_);
  }
  if (wake) wake();
}

void ResponseStream::close() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    wake = std::move(wake_);
  }
  if (wake) wake();
}

void ResponseStream::finish(Response response) {
  GH_CHECK(!response.stream);
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    GH_CHECK(!written_ && !whole_);
    whole_ = std::move(response);
    closed_ = true;
    wake = std::move(wake_);
  }
  if (wake) wake();
}

void ResponseStream::set_header(std::string name, std::string value) {
  std::lock_guard lock(mutex_);
  if (written_) return;
  headers_.emplace_back(std::move(name), std::move(value));
}

void ResponseStream::on_client_gone(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  on_gone_ = std::move(callback);
}

bool ResponseStream::client_gone() const {
  std::lock_guard lock(mutex_);
  return gone_;
}

ResponseStream::Drained ResponseStream::drain(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  Drained drained;
  drained.chunks.swap(pending_);
  drained.whole = std::move(whole_);
  whole_.reset();
  drained.closed = closed_;
  if (!drained.chunks.empty() || closed_) drained.headers.swap(headers_);  // they go with the first chunk
  if (drained.chunks.empty() && !drained.whole && !closed_) wake_ = std::move(wake);
  return drained;
}

void ResponseStream::mark_client_gone() {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    if (gone_ || (closed_ && pending_.empty() && !whole_)) return;
    gone_ = true;
    pending_.clear();
    callback = std::move(on_gone_);
  }
  if (callback) callback();
}

std::string_view status_reason(int status) {
  return bhttp::obsolete_reason(bhttp::int_to_status(unsigned(status)));
}

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  // One single-threaded io_context per server thread, each with its own epoll set: a connection lives
  // on one of them from accept to close, so its completions never hand off to another thread (a
  // shared io_context on few CPUs spent more time waking threads than serving). contexts[0] also
  // accepts.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::unique_ptr<tcp::acceptor> acceptor;
  // The proxy's idle upstream connections, one pool per context (contexts[i] uses upstreams[i]).
  std::vector<std::unique_ptr<UpstreamPool>> upstreams;

  // Accepted connections go to the contexts in turn (round-robin: even with a few keep-alive
  // connections each thread gets its share, which SO_REUSEPORT's hashing does not promise).
  asio::awaitable<void> accept_loop() {
    for (size_t next = 0;; next = (next + 1) % contexts.size()) {
      asio::io_context& context = *contexts[next];
      auto [ec, socket] = co_await acceptor->async_accept(context, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        GH_LOG(warn) << "accept failed: " << ec.message();
        continue;
      }
      // Every answer is written whole or in pieces meant to go at once (a stream's chunks): Nagle's
      // algorithm would only hold them back until the peer's delayed acknowledgement.
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(context, session(std::move(socket), *upstreams[next]), asio::detached);
    }
  }

  Response refuse(int status, const std::string& message) {
    return options.error_response ? options.error_response(status, message) : default_error_response(status, message);
  }

  // What the answer to one request depends on besides the response itself.
  struct Exchange {
    bool head = false;
    bool keep_alive = false;
    bool http10 = false;  // no chunked framing: a stream is sent as it comes and ends with the connection
    const Request* request = nullptr;
    const CorsPolicy* cors = nullptr;  // adds its headers to whatever answer goes out
    UpstreamPool* upstreams = nullptr;  // the connection's loop's, for a proxied answer
  };

  // A request as read, with how to answer it.
  struct Incoming {
    Request request;
    bool keep_alive = false;
    bool http10 = false;
  };

  // Reads one request; an empty optional means the connection is done (closed, timed out or
  // refused, the refusal already sent). A timeout ends the connection at once, so a client too slow
  // to send its request gets no answer.
  asio::awaitable<std::optional<Incoming>> read_request(ServerConnection& connection, beast::flat_buffer& buffer,
                                                        bool first) {
    tcp::socket& socket = connection.socket();
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(std::uint32_t(options.max_header_bytes));
    // Idle keep-alive connections wait for the first byte longer than a request may take.
    connection.expires_after(first ? options.request_timeout : options.idle_timeout);
    auto [ec, bytes] = co_await bhttp::async_read_header(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (!ec) {
      // Refused before the body is read: its framing is unknown, so the connection cannot go on.
      if (auto problem = transfer_coding_problem(parser.get())) {
        co_await send(connection, refuse(problem->first, problem->second), Exchange{});
        co_return std::nullopt;
      }
      switch (expectation(parser)) {
        case Expectation::none: break;
        case Expectation::unmet:
          co_await send(connection, refuse(417, "the only expectation this server meets is \"Expect: 100-continue\""),
                        Exchange{});
          co_return std::nullopt;
        case Expectation::send_continue: {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          std::tie(ec, std::ignore) =
              co_await asio::async_write(socket, asio::buffer(kContinue), asio::as_tuple(asio::use_awaitable));
          break;
        }
      }
    }
    if (!ec && !parser.is_done()) {
      // Beast reads as much as the buffer has room for, at least 512 bytes: the few hundred bytes
      // the headers left would cost a system call (and a timer and a wake-up) per 512 bytes of body.
      const bool large = !parser.content_length() || *parser.content_length() > kSmallBodyBytes;
      if (large) buffer.reserve(kBodyReadBytes);
      connection.expires_after(options.request_timeout);
      std::tie(ec, bytes) = co_await bhttp::async_read(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (large) buffer.shrink_to_fit();  // an idle keep-alive connection keeps only what is unread
    }
    if (ec) {
      if (ec == bhttp::error::body_limit) {
        std::string message = "request body larger than " + std::to_string(options.max_body_bytes) + " bytes: send a smaller one";
        if (!options.max_body_flag.empty()) message += ", or start the server with a larger " + options.max_body_flag;
        co_await send(connection, refuse(413, message), Exchange{});
      } else if (ec == bhttp::error::header_limit) {
        co_await send(connection, refuse(431, "request headers larger than " +
                                              std::to_string(options.max_header_bytes) + " bytes"), Exchange{});
      } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() && ec != bhttp::error::end_of_stream &&
                 ec != bhttp::error::partial_message) {
        co_await send(connection, refuse(400, "malformed HTTP request: " + ec.message()), Exchange{});
      }
      co_return std::nullopt;
    }
    connection.expires_never();  // the handler's time is not the client's
    auto message = parser.release();
    Incoming incoming;
    Request& request = incoming.request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    std::optional<std::string> authority;
    split_target(request, authority);
    for (const auto& field : message) {
      if (authority && field.name() == bhttp::field::host) continue;
      request.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    }
    if (authority) request.headers.emplace_back("host", std::move(*authority));
    request.body = std::move(message.body());
    incoming.http10 = message.version() < 11;
    // HTTP/1.0 keeps a connection only when asked to (Connection: keep-alive); and a 1.0 request
    // with Transfer-Encoding has faulty framing, so its connection ends after the answer (RFC 9112 6.1).
    incoming.keep_alive = message.keep_alive() && !(incoming.http10 && message.count(bhttp::field::transfer_encoding));
    co_return incoming;
  }

  // The headers every answer carries besides the response's own: CORS, and the connection's fate.
  template <typename Message>
  void finish_header(Message& message, Response& response, const Exchange& exchange, bool keep_alive) {
    if (exchange.cors) exchange.cors->apply(*exchange.request, response);
    for (auto& [name, value] : response.headers) message.insert(name, value);
    message.keep_alive(keep_alive);
    // Our answers say HTTP/1.1, where keep-alive goes without saying; a 1.0 client must be told.
    if (keep_alive && exchange.http10) message.set(bhttp::field::connection, "keep-alive");
  }

  // Sends a response; returns false when the connection broke.
  asio::awaitable<bool> send(ServerConnection& connection, Response response, const Exchange& exchange) {
    if (response.proxy) co_return co_await send_proxied(connection, std::move(response), exchange);
    if (response.stream) co_return co_await send_stream(connection, std::move(response), exchange);
    bhttp::response<bhttp::empty_body> message{bhttp::int_to_status(unsigned(response.status)), 11};
    finish_header(message, response, exchange, exchange.keep_alive);
    uint64_t length = response.file ? response.file->length : response.body.size();
    message.set(bhttp::field::content_length, std::to_string(length));
    const std::string header = wire_header(message);
    const std::string_view body = exchange.head || response.file ? std::string_view() : response.body;
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(header), asio::buffer(body)};
    if (!co_await write_to_client(connection, buffers, options.send_timeout)) co_return false;
    if (!exchange.head && response.file) co_return co_await send_file(connection.socket(), *response.file);
    co_return true;
  }

  // The file region through sendfile(2): the kernel copies from the page cache to the socket.
  asio::awaitable<bool> send_file(tcp::socket& socket, const FileRegion& region) {
    const int file = region.file->get();
    socket.native_non_blocking(true);
    off_t offset = off_t(region.offset);
    uint64_t remaining = region.length;
    asio::steady_timer timer(socket.get_executor());
    while (remaining > 0) {
      ssize_t sent = ::sendfile(socket.native_handle(), file, &offset, std::min<uint64_t>(remaining, 1u << 30));
      if (sent > 0) {
        remaining -= uint64_t(sent);
        continue;
      }
      if (sent == 0) co_return false;  // the file shrank under us
      if (errno == EINTR) continue;
      if (errno != EAGAIN) co_return false;
      timer.expires_after(options.send_timeout);
      auto result = co_await (socket.async_wait(tcp::socket::wait_write, asio::use_awaitable) ||
                              timer.async_wait(asio::use_awaitable));
      if (result.index() == 1) co_return false;  // no progress for send_timeout: a stalled reader
    }
    co_return true;
  }

  // A deferred answer: waits for the producer, then sends either its whole response or, from its
  // first chunk on, this response's headers and the chunks as they come (chunked, or to an HTTP/1.0
  // client as they are, the end of the body being the end of the connection). A client that
  // closes its end while waiting is noticed at once (its socket turns readable with nothing to read).
  // Returns false when the connection broke or must end.
  asio::awaitable<bool> send_stream(ServerConnection& connection, Response response, const Exchange& exchange) {
    const bool chunked = !exchange.http10 && !exchange.head;
    std::shared_ptr<ResponseStream> producer = std::move(response.stream);
    tcp::socket& socket = connection.socket();
    auto executor = co_await asio::this_coro::executor;
    auto timer = std::make_shared<asio::steady_timer>(executor);
    bool watch_reads = true;
    std::optional<bhttp::response<bhttp::empty_body>> header;
    std::optional<bhttp::response_serializer<bhttp::empty_body>> serializer;
    while (true) {
      timer->expires_at(asio::steady_timer::time_point::max());
      std::weak_ptr<asio::steady_timer> weak = timer;
      ResponseStream::Drained drained = producer->drain([executor, weak] {
        asio::post(executor, [weak] {
          if (auto timer = weak.lock()) timer->cancel();
        });
      });
      if (drained.whole) {
        co_return co_await send(connection, std::move(*drained.whole), exchange);
      }
      if (!drained.chunks.empty() || drained.closed) {
        beast::error_code ec;
        connection.expires_after(options.send_timeout);
        if (!header) {
          for (auto& [name, value] : drained.headers) response.set_header(std::move(name), std::move(value));
          header.emplace(bhttp::int_to_status(unsigned(response.status)), 11);
          // Without chunked framing (or a length), only the end of the connection ends the body.
          finish_header(*header, response, exchange, exchange.keep_alive && (chunked || exchange.head));
          header->chunked(chunked);
          serializer.emplace(*header);
          std::tie(ec, std::ignore) =
              co_await bhttp::async_write_header(socket, *serializer, asio::as_tuple(asio::use_awaitable));
        }
        if (!ec && !exchange.head && !drained.chunks.empty()) {
          if (chunked) {
            std::tie(ec, std::ignore) = co_await asio::async_write(
                socket, bhttp::make_chunk(asio::buffer(drained.chunks)), asio::as_tuple(asio::use_awaitable));
          } else {
            std::tie(ec, std::ignore) =
                co_await asio::async_write(socket, asio::buffer(drained.chunks), asio::as_tuple(asio::use_awaitable));
          }
        }
        if (!ec && chunked && drained.closed) {
          std::tie(ec, std::ignore) =
              co_await asio::async_write(socket, bhttp::make_chunk_last(), asio::as_tuple(asio::use_awaitable));
        }
        connection.expires_never();
        if (ec) {
          producer->mark_client_gone();
          co_return false;
        }
        if (drained.closed) co_return header->keep_alive();
        continue;
      }
      if (!watch_reads) {
        co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      auto woken = co_await (timer->async_wait(asio::as_tuple(asio::use_awaitable)) ||
                             socket.async_wait(tcp::socket::wait_read, asio::as_tuple(asio::use_awaitable)));
      if (woken.index() == 0) continue;
      char byte;
      ssize_t peeked = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EINTR)) {
        producer->mark_client_gone();
        co_return false;
      }
      // A pipelined next request: it waits in the socket; stop watching so as not to spin.
      if (peeked > 0) watch_reads = false;
    }
  }

  // A proxied answer (http/proxy_relay.h): relayed as it comes, or the target's error response when
  // the upstream failed before answering.
  asio::awaitable<bool> send_proxied(ServerConnection& connection, Response response, const Exchange& exchange) {
    const std::shared_ptr<const ProxyTarget> target = std::move(response.proxy);
    ProxyClient client{.connection = connection,
                       .request = *exchange.request,
                       .head = exchange.head,
                       .http10 = exchange.http10,
                       .keep_alive = exchange.keep_alive,
                       .send_timeout = options.send_timeout,
                       .max_header_bytes = options.max_header_bytes,
                       .finish_header = [&](ProxiedHeader& message, Response& head, bool keep_alive) {
                         finish_header(message, head, exchange, keep_alive);
                       }};
    GH_CHECK(exchange.upstreams);
    Relayed relayed = co_await relay(std::move(client), *target, *exchange.upstreams);
    if (relayed.answer) co_return co_await send(connection, std::move(*relayed.answer), exchange);
    co_return relayed.keep_alive;
  }

  Response call_handler(const Request& request) {
    try {
      return handler(request);
    } catch (const Error& error) {
      GH_LOG(error) << request.method << " " << request.path << ": " << error.what();
      return refuse(500, error.what());
    } catch (const std::exception& error) {
      GH_LOG(error) << request.method << " " << request.path << ": internal error: " << error.what();
      return refuse(500, "internal error");
    }
  }

  asio::awaitable<void> session(tcp::socket socket, UpstreamPool& upstreams) {
    boost::system::error_code ec;
    const std::string peer = socket.remote_endpoint(ec).address().to_string();
    ServerConnection connection(std::move(socket));
    beast::flat_buffer buffer;
    for (bool first = true;; first = false) {
      std::optional<Incoming> incoming = co_await read_request(connection, buffer, first);
      if (!incoming) break;
      incoming->request.peer = peer;
      const Request& request = incoming->request;
      std::optional<Response> preflight = options.cors ? options.cors->preflight(request) : std::nullopt;
      Exchange exchange{.head = request.method == "HEAD",
                        .keep_alive = incoming->keep_alive,
                        .http10 = incoming->http10,
                        .request = &request,
                        .cors = preflight ? nullptr : options.cors.get(),
                        .upstreams = &upstreams};
      Response response = preflight ? std::move(*preflight) : call_handler(request);
      if (!co_await send(connection, std::move(response), exchange) || !exchange.keep_alive) break;
    }
    beast::error_code ignored;
    connection.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  // sendfile(2) has no MSG_NOSIGNAL: a reader that goes away mid-file must end its connection with
  // EPIPE, not the whole server with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->contexts.push_back(std::make_unique<asio::io_context>(1));
    impl_->upstreams.push_back(std::make_unique<UpstreamPool>(kIdleUpstreamConnections, kIdleUpstreamTime));
  }
  impl_->acceptor = std::make_unique<tcp::acceptor>(*impl_->contexts[0]);
  auto& acceptor = *impl_->acceptor;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) throw Error(ErrorCode::invalid_argument, "not an IP address to listen on: " + impl_->options.host);
  tcp::endpoint endpoint(address, impl_->options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw Error(ErrorCode::unavailable, "cannot listen on " + impl_->options.host + ":" +
                                            std::to_string(impl_->options.port) + ": " + ec.message());
  }
}

Server::~Server() {
  stop();
  // The acceptor first (its pending accept may hold a socket of another context), then the
  // connections, each context destroying the coroutines still waiting on it.
  impl_->acceptor.reset();
  impl_->upstreams.clear();  // their sockets belong to the contexts
  while (!impl_->contexts.empty()) impl_->contexts.pop_back();
}

uint16_t Server::port() const { return impl_->acceptor->local_endpoint().port(); }

void Server::run() {
  auto& contexts = impl_->contexts;
  asio::co_spawn(*contexts[0], impl_->accept_loop(), asio::detached);
  // Each context serves, even while it has no connection, until stop().
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> serving;
  for (auto& context : contexts) serving.push_back(asio::make_work_guard(*context));
  std::vector<std::thread> threads;
  const std::chrono::microseconds busy_poll = impl_->options.busy_poll;
  for (size_t i = 1; i < contexts.size(); ++i) {
    threads.emplace_back([context = contexts[i].get(), busy_poll] { run_event_loop(*context, busy_poll); });
  }
  run_event_loop(*contexts[0], busy_poll);
  for (auto& thread : threads) thread.join();
}

void Server::stop() {
  for (auto& context : impl_->contexts) context->stop();
}

}  // namespace gatehouse::http
