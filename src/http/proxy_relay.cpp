#include "http/proxy_relay.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <vector>

#include "base/error.h"
#include "base/log.h"
#include "http/header_text.h"

namespace gatehouse::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

// The body goes through in pieces of at most this size, each written to the client before the next
// is read: what one exchange holds in memory whatever the body's size.
constexpr size_t kPieceBytes = 64 << 10;
// Upstream reads start this small (most answers are) and double while they fill up, to kPieceBytes:
// a 64 KiB buffer allocated and freed per request costs more than the whole exchange otherwise.
constexpr size_t kFirstReadBytes = 8 << 10;
constexpr auto kConnectTimeout = std::chrono::seconds(10);

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Methods a client may repeat without changing the outcome (RFC 9110 9.2.2).
bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" || method == "DELETE" ||
         method == "TRACE";
}

// The header names that describe one connection rather than the message (RFC 9110 7.6.1): a fixed
// list, and those the message's Connection header names.
class HopByHop {
 public:
  void add_connection_header(std::string_view list) {
    for (std::string_view token : split_list(list)) listed_.emplace_back(token);
  }

  bool contains(std::string_view name) const {
    static constexpr std::string_view kFixed[] = {"connection", "keep-alive", "proxy-connection",
                                                  "proxy-authenticate", "proxy-authorization", "te",
                                                  "trailer", "transfer-encoding", "upgrade"};
    for (std::string_view fixed : kFixed) {
      if (iequals(name, fixed)) return true;
    }
    for (const std::string& listed : listed_) {
      if (iequals(name, listed)) return true;
    }
    return false;
  }

 private:
  std::vector<std::string> listed_;
};

bool has_control_characters(std::string_view text, bool allow_space) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && !(allow_space && byte == '\t')) || byte == 0x7f || (byte == ' ' && !allow_space)) return true;
  }
  return false;
}

// The request line and headers sent upstream (the body follows as received). Sets `problem` when the
// target or an extra header could not be sent as given.
std::string forwarded_head(const Request& request, const ProxyTarget& target, std::string& problem) {
  const std::string& path = target.target.empty() ? request.target : target.target;
  if (path.empty() || has_control_characters(path, false)) {
    problem = "the proxy target \"" + path + "\" is not a request target";
    return "";
  }
  HopByHop hop_by_hop;
  for (const auto& [name, value] : request.headers) {
    if (name == "connection") hop_by_hop.add_connection_header(value);
  }
  auto replaced = [&](std::string_view name) {
    for (const auto& extra : target.extra_headers) {
      if (iequals(extra.first, name)) return true;
    }
    return false;
  };
  std::string head;
  // Most heads fit, so the appends below seldom reallocate.
  head.reserve(512 + path.size());
  head.append(request.method).append(" ").append(path).append(" HTTP/1.1\r\n");
  auto add = [&head](std::string_view name, std::string_view value) {
    head.append(name).append(": ").append(value).append("\r\n");
  };
  std::string forwarded_for;
  for (const auto& [name, value] : request.headers) {
    if (!target.pass_request_headers && name != "x-forwarded-for") continue;
    // Expect: the body goes out whole, with the headers; Content-Length: set below for that body.
    if (hop_by_hop.contains(name) || name == "expect" || name == "content-length" || name == "x-forwarded-proto" ||
        name == "x-forwarded-host" || replaced(name)) {
      continue;
    }
    if (name == "x-forwarded-for") {
      forwarded_for += (forwarded_for.empty() ? "" : ", ") + value;
      continue;
    }
    add(name, value);
  }
  if (!request.peer.empty()) forwarded_for += (forwarded_for.empty() ? "" : ", ") + request.peer;
  if (!forwarded_for.empty() && !replaced("x-forwarded-for")) add("x-forwarded-for", forwarded_for);
  if (!replaced("x-forwarded-proto")) add("x-forwarded-proto", "http");
  const std::string* host = request.header("host");
  if (host && !replaced("x-forwarded-host")) add("x-forwarded-host", *host);
  for (const auto& [name, value] : target.extra_headers) {
    if (name.empty() || has_control_characters(name, false) || name.find(':') != std::string::npos ||
        has_control_characters(value, true)) {
      problem = "the proxy's extra header \"" + name + "\" cannot be sent: a name is a token, a value one line";
      return "";
    }
    add(name, value);
  }
  const std::string& body = target.body ? *target.body : request.body;
  const bool body_expected = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
  if (!body.empty() || body_expected) add("content-length", std::to_string(body.size()));
  head += "\r\n";
  return head;
}

std::string duration_text(std::chrono::milliseconds duration) {
  const auto count = duration.count();
  return count % 1000 == 0 ? std::to_string(count / 1000) + " s" : std::to_string(count) + " ms";
}

Response default_error_response(ProxyOutcome outcome, const std::string& detail) {
  return Response::json(outcome == ProxyOutcome::timed_out ? 504 : 502,
                        boost::json::serialize(boost::json::object{{"error", detail}}));
}

// One exchange: the state of the upstream connection and of the answer passing through.
class Relay {
 public:
  Relay(ProxyClient& client, const ProxyTarget& target, UpstreamPool& pool, const asio::any_io_executor& executor)
      : client_(client),
        target_(target),
        pool_(pool),
        key_(target.upstream.host, target.upstream.port),
        name_(target.upstream.host + ":" + std::to_string(target.upstream.port)),
        upstream_(executor),
        timer_(executor) {}
  // The exchange is over, however it ended (the server stopping included): the upstream connection
  // closes (unless it went back to the pool), then on_done learns how it went.
  ~Relay();

  asio::awaitable<Relayed> run();
  // Set when on_answer retried elsewhere: the next target and the wait before it.
  const std::shared_ptr<const ProxyTarget>& next() const { return verdict_.next; }
  std::chrono::milliseconds delay() const { return verdict_.delay; }

 private:
  enum class Read { data, end, failed, malformed, timed_out, client_gone };

  using Clock = asio::steady_timer::clock_type;
  // Shared with the watch's pending handlers, which may run after the exchange is over.
  struct Watch {
    Relay* relay;  // null once the exchange is over
  };

  asio::awaitable<bool> connect(const tcp::endpoint& endpoint);
  asio::awaitable<Read> send_request_and_read_header();
  asio::awaitable<Read> read_more();
  Read received(size_t bytes, const boost::system::error_code& ec);
  // Waits until the upstream socket is ready to `what` (Read::data), or the watch ends the wait.
  asio::awaitable<Read> wait_upstream(tcp::socket::wait_type what);
  // The watch, started by the exchange's first wait and kept until its end: one deadline (timer_,
  // re-armed only when it expires) and one wait for the client's socket turning readable. Either
  // ends a wait by cancelling it, so a wait costs no timer and no parallel group.
  void start_watch();
  void arm_deadline(Clock::time_point at);
  void watch_client();
  // The upstream's status and headers, and its whole body when the target asks for it.
  asio::awaitable<std::optional<ProxyAnswer>> read_answer();
  // Carries out on_answer's verdict on an answer or a failure; nullopt: relay the answer.
  std::optional<Relayed> decide(ProxyAnswer answer);
  asio::awaitable<Relayed> relay_answer(ProxyAnswer answer);
  // The filtered body's last words when it breaks off; false when the client is gone.
  asio::awaitable<bool> end_filtered(bool chunked);
  void new_parser();
  bool parse();
  // Puts a connection whose answer is complete (and may carry another) back in the pool.
  void release_upstream();
  Relayed fail(ProxyOutcome outcome, const std::string& detail);
  Relayed failed_before_answer(Read read);

  ProxyClient& client_;
  const ProxyTarget& target_;
  UpstreamPool& pool_;
  const UpstreamPool::Key key_;
  const std::string name_;  // "127.0.0.1:8001", for messages
  std::string head_;        // the forwarded request line and headers
  tcp::socket upstream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;  // upstream bytes not parsed yet
  std::optional<bhttp::response_parser<bhttp::buffer_body>> parser_;
  // The body bytes parsed and not yet written to the client: allocated once per exchange, and not
  // zeroed (a streamed answer gets a whole kPieceBytes).
  std::unique_ptr<char[]> piece_;
  size_t piece_size_ = 0;
  size_t filled_ = 0;
  size_t read_bytes_ = kFirstReadBytes;
  size_t received_ = 0;       // upstream bytes on this connection
  std::shared_ptr<Watch> watch_;
  bool waiting_ = false;  // for the upstream, since wait_started_
  Clock::time_point wait_started_;
  bool client_gone_ = false;
  bool timed_out_ = false;
  std::string why_;  // what went wrong upstream, for messages
  ProxyVerdict verdict_;
  // What the exchange comes to if it is abandoned (the server stopping) before it ends.
  ProxyOutcome outcome_ = ProxyOutcome::client_gone;
};

asio::awaitable<Relayed> Relay::run() {
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(target_.upstream.host, ec);
  if (ec) co_return fail(ProxyOutcome::upstream_unreachable, "upstream " + name_ + " is not an IP address and port");
  const tcp::endpoint endpoint(address, target_.upstream.port);
  std::string problem;
  head_ = forwarded_head(client_.request, target_, problem);
  if (!problem.empty()) co_return fail(ProxyOutcome::upstream_failed, problem);
  for (bool first = true;; first = false) {
    // take() hands out only connections that look alive, but the upstream may close one just as
    // the request goes out. An idempotent request that got nothing back is then sent once more on a
    // fresh connection; any other may have been acted on, so it fails instead (RFC 9110 9.2.2).
    bool reused = false;
    if (first) {
      if (std::optional<tcp::socket> idle = pool_.take(key_)) {
        upstream_ = std::move(*idle);
        reused = true;
      }
    }
    if (!reused && !co_await connect(endpoint)) {
      co_return fail(ProxyOutcome::upstream_unreachable, "upstream " + name_ + " cannot be reached: " + why_);
    }
    if (!upstream_.non_blocking()) upstream_.non_blocking(true, ec);  // an ioctl each time otherwise
    const Read read = co_await send_request_and_read_header();
    if (read == Read::data) break;
    if (reused && received_ == 0 && idempotent(client_.request.method) && (read == Read::end || read == Read::failed)) {
      upstream_.close(ec);
      buffer_.clear();
      continue;
    }
    co_return failed_before_answer(read);
  }
  std::optional<ProxyAnswer> answer = co_await read_answer();
  if (!answer) co_return failed_before_answer(Read::malformed);
  if (target_.on_answer) {
    if (std::optional<Relayed> decided = decide(*answer)) {
      if (verdict_.kind == ProxyVerdict::Kind::answer) outcome_ = ProxyOutcome::completed;  // the upstream did answer
      co_return std::move(*decided);
    }
    if (answer->body) {
      // Relayed after all, from what was read: as a whole answer.
      Response whole;
      whole.status = answer->status;
      whole.headers = std::move(answer->headers);
      whole.body = std::move(*answer->body);
      for (auto& [name, value] : verdict_.headers) whole.set_header(std::move(name), std::move(value));
      std::erase_if(whole.headers, [](const auto& header) { return iequals(header.first, "content-length"); });
      outcome_ = ProxyOutcome::completed;
      co_return Relayed{.keep_alive = client_.keep_alive, .answer = std::move(whole)};
    }
  }
  co_return co_await relay_answer(std::move(*answer));
}

asio::awaitable<std::optional<ProxyAnswer>> Relay::read_answer() {
  const auto& upstream = parser_->get();
  ProxyAnswer answer;
  answer.status = int(upstream.result_int());
  HopByHop hop_by_hop;
  for (const auto& field : upstream) {
    if (field.name() == bhttp::field::connection) hop_by_hop.add_connection_header(field.value());
  }
  for (const auto& field : upstream) {
    if (!hop_by_hop.contains(field.name_string())) answer.headers.emplace_back(field.name_string(), field.value());
  }
  if (!target_.whole_body_for || !target_.whole_body_for(answer.status)) co_return answer;
  std::string body;
  while (true) {
    if (!parse()) co_return std::nullopt;
    body.append(piece_ ? piece_.get() : "", filled_);
    filled_ = 0;
    if (body.size() > target_.max_whole_body) {
      why_ = "its answer is larger than " + std::to_string(target_.max_whole_body) + " bytes";
      co_return std::nullopt;
    }
    if (parser_->is_done()) break;
    const Read read = co_await read_more();
    if (read == Read::end && parser_->need_eof()) {
      beast::error_code ec;
      parser_->put_eof(ec);
      if (!ec) continue;
    }
    if (read != Read::data) {
      why_ = read == Read::timed_out ? "no byte of its body within the response timeout" : "its answer broke off: " + why_;
      co_return std::nullopt;
    }
  }
  release_upstream();
  answer.body = std::move(body);
  co_return answer;
}

std::optional<Relayed> Relay::decide(ProxyAnswer answer) {
  verdict_ = target_.on_answer(std::move(answer));
  switch (verdict_.kind) {
    case ProxyVerdict::Kind::relay: return std::nullopt;
    case ProxyVerdict::Kind::retry:
      GH_CHECK(verdict_.next);
      return Relayed{.keep_alive = client_.keep_alive, .answer = std::nullopt};
    case ProxyVerdict::Kind::answer:
      GH_CHECK(verdict_.answer && !verdict_.answer->proxy);
      return Relayed{.keep_alive = client_.keep_alive, .answer = std::move(verdict_.answer)};
  }
  return std::nullopt;
}

asio::awaitable<bool> Relay::connect(const tcp::endpoint& endpoint) {
  upstream_ = tcp::socket(upstream_.get_executor());
  received_ = 0;
  // Once per upstream connection, not per exchange: a timer of its own is cheap enough.
  asio::steady_timer timer(upstream_.get_executor(), kConnectTimeout);
  auto result = co_await (upstream_.async_connect(endpoint, kTuple) || timer.async_wait(kTuple));
  if (result.index() == 1) {
    why_ = "no connection within " + std::to_string(kConnectTimeout.count()) + " s";
    co_return false;
  }
  if (auto [ec] = std::get<0>(result); ec) {
    why_ = ec.message();
    co_return false;
  }
  boost::system::error_code ignored;
  upstream_.set_option(tcp::no_delay(true), ignored);
  co_return true;
}

void Relay::new_parser() {
  parser_.emplace();
  parser_->body_limit(boost::none);
  parser_->header_limit(std::uint32_t(client_.max_header_bytes));
  parser_->skip(client_.head);  // the answer to HEAD has headers only, whatever they say
}

asio::awaitable<Relay::Read> Relay::send_request_and_read_header() {
  const std::string& body = target_.body ? *target_.body : client_.request.body;
  const std::array<asio::const_buffer, 2> request{asio::buffer(head_), asio::buffer(body)};
  // Written at once when the socket has room (it has, for all but large bodies).
  for (beast::buffers_suffix unsent(request); beast::buffer_bytes(unsent) > 0;) {
    boost::system::error_code ec;
    unsent.consume(upstream_.write_some(unsent, ec));
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      if (const Read wait = co_await wait_upstream(tcp::socket::wait_write); wait != Read::data) co_return wait;
    } else if (ec) {
      why_ = ec.message();
      co_return Read::failed;
    }
  }
  new_parser();
  while (true) {
    if (!parse()) co_return Read::malformed;
    if (parser_->is_header_done()) {
      if (parser_->get().result_int() / 100 != 1) co_return Read::data;
      new_parser();  // an interim answer (100 Continue, 103 Early Hints): the final one follows
      continue;
    }
    const Read read = co_await read_more();
    if (read != Read::data) co_return read;
  }
}

// Reads what the upstream has sent into buffer_, waiting for it (at most response_timeout) while
// watching for the client leaving. The exchange's first read is tried at once (most answers are
// there by then); after that, reads are Asio's: a pending read costs no system call to arm, where
// a wait for readiness costs an epoll_ctl each time (a stream's every chunk would pay one).
asio::awaitable<Relay::Read> Relay::read_more() {
  if (!watch_) {
    boost::system::error_code ec;
    const size_t bytes = upstream_.read_some(buffer_.prepare(read_bytes_), ec);
    if (ec != asio::error::would_block && ec != asio::error::try_again) co_return received(bytes, ec);
    start_watch();
  }
  if (client_gone_) co_return Read::client_gone;
  waiting_ = true;
  wait_started_ = Clock::now();
  auto [ec, bytes] = co_await upstream_.async_read_some(buffer_.prepare(read_bytes_), kTuple);
  waiting_ = false;
  if (client_gone_) co_return Read::client_gone;
  if (timed_out_) co_return Read::timed_out;
  co_return received(bytes, ec);
}

Relay::Read Relay::received(size_t bytes, const boost::system::error_code& ec) {
  if (!ec) {
    if (bytes == read_bytes_) read_bytes_ = std::min(2 * read_bytes_, kPieceBytes);
    buffer_.commit(bytes);
    received_ += bytes;
    return Read::data;
  }
  if (ec == asio::error::eof) return Read::end;
  why_ = ec.message();
  return Read::failed;
}

asio::awaitable<Relay::Read> Relay::wait_upstream(tcp::socket::wait_type what) {
  start_watch();
  if (client_gone_) co_return Read::client_gone;
  waiting_ = true;
  wait_started_ = Clock::now();
  auto [ec] = co_await upstream_.async_wait(what, kTuple);
  waiting_ = false;
  if (client_gone_) co_return Read::client_gone;
  if (timed_out_) co_return Read::timed_out;
  if (ec) {
    why_ = ec.message();
    co_return Read::failed;
  }
  co_return Read::data;
}

void Relay::start_watch() {
  if (watch_) return;
  watch_ = std::make_shared<Watch>(Watch{this});
  arm_deadline(Clock::now() + target_.response_timeout);
  watch_client();
}

void Relay::arm_deadline(Clock::time_point at) {
  timer_.expires_at(at);
  timer_.async_wait([watch = watch_](const boost::system::error_code& ec) {
    Relay* relay = watch->relay;
    if (ec || !relay) return;
    const Clock::time_point due = relay->wait_started_ + relay->target_.response_timeout;
    if (!relay->waiting_) return relay->arm_deadline(Clock::now() + relay->target_.response_timeout);
    if (Clock::now() < due) return relay->arm_deadline(due);
    relay->timed_out_ = true;
    boost::system::error_code ignored;
    relay->upstream_.cancel(ignored);
  });
}

// A client that leaves turns its socket readable with nothing to read. The wait is left pending when
// the exchange ends: the next request's arrival completes it, and it finds the exchange over.
void Relay::watch_client() {
  tcp::socket& client = client_.connection.socket();
  client.async_wait(tcp::socket::wait_read, [watch = watch_, &client](const boost::system::error_code& ec) {
    Relay* relay = watch->relay;
    if (ec || !relay) return;
    char byte;
    const ssize_t peeked = ::recv(client.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (peeked > 0) return;  // a pipelined request: it waits its turn
    if (peeked < 0 && (errno == EAGAIN || errno == EINTR)) return relay->watch_client();
    relay->client_gone_ = true;
    boost::system::error_code ignored;
    relay->upstream_.cancel(ignored);
  });
}

// Feeds the buffered upstream bytes to the parser, the body going into piece_ after filled_; stops
// when all is parsed, the piece is full or the answer is complete. False for a malformed answer.
bool Relay::parse() {
  while (buffer_.size() > 0 && !parser_->is_done()) {
    auto& body = parser_->get().body();
    const bool header_done = parser_->is_header_done();
    if (header_done) {
      if (!piece_) {
        // As large as the body when it is smaller than a piece.
        const auto length = parser_->content_length_remaining();
        piece_size_ = length ? std::clamp<size_t>(*length, 1, kPieceBytes) : kPieceBytes;
        piece_ = std::make_unique_for_overwrite<char[]>(piece_size_);
      }
      if (filled_ == piece_size_) return true;
      body.data = piece_.get() + filled_;
      body.size = piece_size_ - filled_;
    }
    beast::error_code ec;
    const size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (header_done) filled_ = piece_size_ - body.size;
    if (ec == bhttp::error::need_more) return true;
    if (ec && ec != bhttp::error::need_buffer) {
      why_ = ec.message();
      return false;
    }
    if (used == 0 && !ec) return true;
  }
  return true;
}

Relayed Relay::fail(ProxyOutcome outcome, const std::string& detail) {
  outcome_ = outcome;
  if (target_.on_answer && outcome != ProxyOutcome::client_gone) {
    ProxyAnswer failure;
    failure.outcome = outcome;
    failure.detail = detail;
    if (std::optional<Relayed> decided = decide(std::move(failure))) return std::move(*decided);
  }
  Response answer = target_.error_response ? target_.error_response(outcome, detail) : default_error_response(outcome, detail);
  GH_CHECK(!answer.proxy);
  return Relayed{.keep_alive = client_.keep_alive, .answer = std::move(answer)};
}

Relayed Relay::failed_before_answer(Read read) {
  switch (read) {
    case Read::client_gone: outcome_ = ProxyOutcome::client_gone; return Relayed{};
    case Read::timed_out:
      return fail(ProxyOutcome::timed_out, "upstream " + name_ + " sent no answer within " +
                                               duration_text(target_.response_timeout));
    case Read::end: return fail(ProxyOutcome::upstream_failed, "upstream " + name_ + " closed the connection without answering");
    case Read::malformed: return fail(ProxyOutcome::upstream_failed, "upstream " + name_ + " sent an answer it cannot relay: " + why_);
    case Read::failed:
    case Read::data: break;
  }
  return fail(ProxyOutcome::upstream_failed, "upstream " + name_ + " failed: " + why_);
}

// Sends the upstream's status and headers, then the body piece by piece as it arrives.
asio::awaitable<Relayed> Relay::relay_answer(ProxyAnswer answer) {
  const auto& upstream = parser_->get();
  Response head;
  head.status = answer.status;
  head.headers = std::move(answer.headers);
  for (auto& [name, value] : verdict_.headers) head.set_header(std::move(name), std::move(value));
  const bool bodyless = client_.head || head.status == 204 || head.status == 304;
  const BodyFilter& filter = verdict_.filter;
  if (bodyless) verdict_.filter = nullptr;
  if (filter) std::erase_if(head.headers, [](const auto& header) { return iequals(header.first, "content-length"); });
  bool keep_alive = client_.keep_alive;
  bool chunked = false;
  if (!bodyless && (filter || !parser_->content_length())) {
    chunked = !client_.http10;
    keep_alive = keep_alive && chunked;  // otherwise only the end of the connection ends the body
  }
  ProxiedHeader message;
  message.version(11);
  message.result(unsigned(head.status));
  message.reason(upstream.reason());
  client_.finish_header(message, head, keep_alive);
  if (chunked) message.chunked(true);
  const std::string header = wire_header(message);
  bool header_sent = false;
  std::string filtered;
  while (true) {
    if (!parse()) {
      outcome_ = ProxyOutcome::upstream_failed;
      if (filter && header_sent && !co_await end_filtered(chunked)) outcome_ = ProxyOutcome::client_gone;
      co_return Relayed{};
    }
    const bool done = parser_->is_done();
    if (done) release_upstream();  // before the client has the end, so its next request can reuse it
    if (filter && (filled_ > 0 || done)) {
      filtered = filter(std::string_view(piece_.get(), filled_), BodyEnd::more);
      if (done) filtered += filter({}, BodyEnd::complete);
      filled_ = 0;
    }
    const size_t body_bytes = filter ? filtered.size() : filled_;
    const char* body_data = filter ? filtered.data() : piece_.get();
    if (body_bytes > 0 || done || !header_sent) {
      // Whatever has arrived goes out at once, in one write: the header the first time, the body
      // parsed so far (as one chunk when chunked), the last chunk at the end.
      static constexpr std::string_view kCrlf = "\r\n", kLastChunk = "0\r\n\r\n";
      std::array<char, 20> size_line;
      std::array<asio::const_buffer, 5> out{};
      if (!header_sent) out[0] = asio::buffer(header);
      if (body_bytes > 0) {
        out[2] = asio::buffer(body_data, body_bytes);
        if (chunked) {
          const int length = std::snprintf(size_line.data(), size_line.size(), "%zx\r\n", body_bytes);
          out[1] = asio::buffer(size_line.data(), size_t(length));
          out[3] = asio::buffer(kCrlf);
        }
      }
      if (done && chunked) out[4] = asio::buffer(kLastChunk);
      header_sent = true;
      filled_ = 0;
      const bool sent = co_await write_to_client(client_.connection, out, client_.send_timeout);
      filtered.clear();
      if (!sent) {
        outcome_ = ProxyOutcome::client_gone;
        co_return Relayed{};
      }
      if (done) break;
      continue;
    }
    Read read = co_await read_more();
    if (read == Read::end && parser_->need_eof()) {
      beast::error_code ec;
      parser_->put_eof(ec);
      if (!ec) continue;
    }
    if (read != Read::data) {
      // Mid-body: the client's connection ends without the body's end, so it sees the failure
      // (with a filter, the filter says so and the body ends cleanly).
      outcome_ = read == Read::client_gone ? ProxyOutcome::client_gone
                 : read == Read::timed_out ? ProxyOutcome::timed_out
                                           : ProxyOutcome::upstream_failed;
      if (filter && read != Read::client_gone && !co_await end_filtered(chunked)) outcome_ = ProxyOutcome::client_gone;
      co_return Relayed{};
    }
  }
  outcome_ = ProxyOutcome::completed;
  co_return Relayed{.keep_alive = keep_alive, .answer = std::nullopt};
}

asio::awaitable<bool> Relay::end_filtered(bool chunked) {
  std::string last = verdict_.filter({}, BodyEnd::failed);
  if (chunked) {
    char size_line[20];
    const int length = std::snprintf(size_line, sizeof size_line, "%zx\r\n", last.size());
    last = (last.empty() ? "" : std::string(size_line, size_t(length)) + last + "\r\n") + "0\r\n\r\n";
  }
  std::array<asio::const_buffer, 5> out{};
  out[0] = asio::buffer(last);
  co_return co_await write_to_client(client_.connection, out, client_.send_timeout);
}

void Relay::release_upstream() {
  if (!upstream_.is_open() || !parser_->keep_alive() || buffer_.size() > 0) return;
  pool_.give_back(key_, std::move(upstream_));
}

Relay::~Relay() {
  if (watch_) watch_->relay = nullptr;
  boost::system::error_code ignored;
  upstream_.close(ignored);
  if (!target_.on_done || verdict_.kind == ProxyVerdict::Kind::retry) return;
  try {
    target_.on_done(outcome_);
  } catch (const std::exception& error) {
    GH_LOG(error) << "proxy on_done: " << error.what();
  }
}

}  // namespace

std::string wire_header(const bhttp::response_header<>& message) {
  std::string header = "HTTP/1.1 " + std::to_string(message.result_int()) + " " + std::string(message.reason()) + "\r\n";
  for (const auto& field : message) header.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  header += "\r\n";
  return header;
}

asio::awaitable<bool> write_to_client(ServerConnection& connection, std::span<const asio::const_buffer> buffers,
                                      std::chrono::seconds send_timeout) {
  tcp::socket& socket = connection.socket();
  boost::system::error_code ec;
  if (!socket.non_blocking()) socket.non_blocking(true, ec);  // an ioctl each time otherwise
  beast::buffers_suffix unsent(buffers);
  if (!ec) unsent.consume(socket.write_some(unsent, ec));
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) co_return false;
  while (beast::buffer_bytes(unsent) > 0) {
    connection.expires_after(send_timeout);  // a store: the deadline is the time without progress
    size_t written = 0;
    std::tie(ec, written) = co_await socket.async_write_some(unsent, kTuple);
    if (ec) break;
    unsent.consume(written);
  }
  connection.expires_never();
  co_return !ec;
}

asio::awaitable<Relayed> relay(ProxyClient client, const ProxyTarget& target, UpstreamPool& pool) {
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  std::shared_ptr<const ProxyTarget> next;  // keeps a retry's target alive while it is used
  for (const ProxyTarget* current = &target;;) {
    std::shared_ptr<const ProxyTarget> retry;
    std::chrono::milliseconds delay{0};
    {
      Relay relay(client, *current, pool, executor);
      Relayed relayed = co_await relay.run();
      if (!relay.next()) co_return relayed;
      retry = relay.next();
      delay = relay.delay();
    }
    if (delay.count() > 0) {
      asio::steady_timer timer(executor, delay);
      co_await timer.async_wait(kTuple);
    }
    next = std::move(retry);
    current = next.get();
  }
}

}  // namespace gatehouse::http
