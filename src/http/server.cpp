// The one translation unit that includes Boost.Beast and Asio for serving.
#include "http/server.h"

#include <fcntl.h>
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

namespace gatehouse::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Response default_error_response(int status, const std::string& message) {
  return Response::json(status, boost::json::serialize(boost::json::object{{"error", message}}));
}

// Closes a file descriptor when it goes out of scope.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

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
  asio::io_context io;
  tcp::acceptor acceptor{io};

  asio::awaitable<void> accept_loop() {
    while (true) {
      // Each connection runs on a strand, so a producer's wake-up (posted from another thread) never
      // runs beside the session's own code.
      auto strand = asio::make_strand(io);
      auto [ec, socket] = co_await acceptor.async_accept(strand, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        GH_LOG(warn) << "accept failed: " << ec.message();
        continue;
      }
      asio::co_spawn(strand, session(std::move(socket)), asio::detached);
    }
  }

  Response refuse(int status, const std::string& message) {
    return options.error_response ? options.error_response(status, message) : default_error_response(status, message);
  }

  // Reads one request; an empty optional means the connection is done (closed, timed out or
  // refused, the refusal already sent). A timeout closes the socket at once (Beast's tcp_stream),
  // so a client too slow to send its request gets no answer.
  asio::awaitable<std::optional<Request>> read_request(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                                       bool first) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(std::uint32_t(options.max_header_bytes));
    // Idle keep-alive connections wait for the first byte longer than a request may take.
    stream.expires_after(first ? options.request_timeout : options.idle_timeout);
    auto [ec, bytes] = co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (!ec && !parser.is_done()) {
      stream.expires_after(options.request_timeout);
      std::tie(ec, bytes) = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    }
    if (ec) {
      if (ec == bhttp::error::body_limit) {
        co_await send(stream, refuse(413, "request body larger than " + std::to_string(options.max_body_bytes) +
                                              " bytes"), false, false);
      } else if (ec == bhttp::error::header_limit) {
        co_await send(stream, refuse(431, "request headers larger than " +
                                              std::to_string(options.max_header_bytes) + " bytes"), false, false);
      } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() && ec != bhttp::error::end_of_stream &&
                 ec != bhttp::error::partial_message) {
        co_await send(stream, refuse(400, "malformed HTTP request: " + ec.message()), false, false);
      }
      co_return std::nullopt;
    }
    auto message = parser.release();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    size_t question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string::npos) request.query = request.target.substr(question + 1);
    for (const auto& field : message) request.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    request.body = std::move(message.body());
    if (!message.keep_alive()) request.headers.emplace_back("connection", "close");
    co_return request;
  }

  // Sends a response; returns false when the connection broke.
  asio::awaitable<bool> send(beast::tcp_stream& stream, Response response, bool head, bool keep_alive) {
    if (response.stream) co_return co_await send_stream(stream, std::move(response), head, keep_alive);
    bhttp::response<bhttp::string_body> message{bhttp::int_to_status(unsigned(response.status)), 11};
    for (auto& [name, value] : response.headers) message.insert(name, value);
    message.keep_alive(keep_alive);
    uint64_t length = response.file ? response.file->length : response.body.size();
    message.set(bhttp::field::content_length, std::to_string(length));
    if (!head && !response.file) message.body() = std::move(response.body);
    stream.expires_after(options.send_timeout);
    bhttp::response_serializer<bhttp::string_body> serializer{message};
    beast::error_code ec;
    if (head || response.file) {
      std::tie(ec, std::ignore) = co_await bhttp::async_write_header(stream, serializer, asio::as_tuple(asio::use_awaitable));
    } else {
      std::tie(ec, std::ignore) = co_await bhttp::async_write(stream, serializer, asio::as_tuple(asio::use_awaitable));
    }
    if (ec) co_return false;
    if (!head && response.file) co_return co_await send_file(stream, *response.file);
    co_return true;
  }

  // The file region through sendfile(2): the kernel copies from the page cache to the socket.
  asio::awaitable<bool> send_file(beast::tcp_stream& stream, const FileRegion& region) {
    FileDescriptor file{::open(region.path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0) {
      GH_LOG(error) << "cannot open " << region.path << " to send it: " << std::strerror(errno);
      co_return false;
    }
    tcp::socket& socket = stream.socket();
    socket.native_non_blocking(true);
    off_t offset = off_t(region.offset);
    uint64_t remaining = region.length;
    asio::steady_timer timer(socket.get_executor());
    while (remaining > 0) {
      ssize_t sent = ::sendfile(socket.native_handle(), file.fd, &offset, std::min<uint64_t>(remaining, 1u << 30));
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
  // first chunk on, this response's headers and the chunks as they come. A client that closes its
  // end while waiting is noticed at once (its socket turns readable with nothing to read).
  asio::awaitable<bool> send_stream(beast::tcp_stream& stream, Response response, bool head, bool keep_alive) {
    std::shared_ptr<ResponseStream> producer = std::move(response.stream);
    tcp::socket& socket = stream.socket();
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
        co_return co_await send(stream, std::move(*drained.whole), head, keep_alive);
      }
      if (!drained.chunks.empty() || drained.closed) {
        beast::error_code ec;
        stream.expires_after(options.send_timeout);
        if (!header) {
          header.emplace(bhttp::int_to_status(unsigned(response.status)), 11);
          for (auto& [name, value] : response.headers) header->insert(name, value);
          header->keep_alive(keep_alive);
          header->chunked(!head);
          serializer.emplace(*header);
          std::tie(ec, std::ignore) =
              co_await bhttp::async_write_header(stream, *serializer, asio::as_tuple(asio::use_awaitable));
        }
        if (!ec && !head && !drained.chunks.empty()) {
          std::tie(ec, std::ignore) = co_await asio::async_write(
              stream, bhttp::make_chunk(asio::buffer(drained.chunks)), asio::as_tuple(asio::use_awaitable));
        }
        if (!ec && !head && drained.closed) {
          std::tie(ec, std::ignore) =
              co_await asio::async_write(stream, bhttp::make_chunk_last(), asio::as_tuple(asio::use_awaitable));
        }
        if (ec) {
          producer->mark_client_gone();
          co_return false;
        }
        if (drained.closed) co_return true;
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

  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (bool first = true;; first = false) {
      std::optional<Request> request = co_await read_request(stream, buffer, first);
      if (!request) break;
      bool keep_alive = !request->header("connection") || lower(*request->header("connection")) != "close";
      bool head = request->method == "HEAD";
      if (!co_await send(stream, call_handler(*request), head, keep_alive) || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  // sendfile(2) has no MSG_NOSIGNAL: a reader that goes away mid-file must end its connection with
  // EPIPE, not the whole server with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  auto& acceptor = impl_->acceptor;
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

Server::~Server() { stop(); }

uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::run() {
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  std::vector<std::thread> threads;
  for (int i = 1; i < std::max(1, impl_->options.threads); ++i) threads.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& thread : threads) thread.join();
}

void Server::stop() { impl_->io.stop(); }

}  // namespace gatehouse::http
