#include "http/server_connection.h"

namespace gatehouse::http {

ServerConnection::ServerConnection(boost::asio::ip::tcp::socket socket)
    : socket_(std::move(socket)), deadline_(std::make_shared<Deadline>(socket_.get_executor())) {
  deadline_->socket = &socket_;
}

ServerConnection::~ServerConnection() {
  deadline_->socket = nullptr;
  deadline_->timer.cancel();  // its handler lets go of the deadline at once
}

void ServerConnection::expires_after(Clock::duration limit) {
  deadline_->at = Clock::now() + limit;
  if (deadline_->at < deadline_->armed_at) arm(deadline_);
}

void ServerConnection::expires_never() { deadline_->at = Clock::time_point::max(); }

void ServerConnection::arm(const std::shared_ptr<Deadline>& deadline) {
  deadline->armed_at = deadline->at;
  deadline->timer.expires_at(deadline->at);  // cancels a wait for a later time; its handler is stale
  deadline->timer.async_wait([deadline, generation = ++deadline->generation](const boost::system::error_code& ec) {
    if (generation != deadline->generation || deadline->socket == nullptr) return;
    deadline->armed_at = Clock::time_point::max();
    if (ec || deadline->at == Clock::time_point::max()) return;
    if (Clock::now() < deadline->at) return arm(deadline);
    boost::system::error_code ignored;
    deadline->socket->cancel(ignored);
  });
}

}  // namespace gatehouse::http
