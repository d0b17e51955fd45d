#include "web/server.h"

#include <boost/asio/ip/address.hpp>

#include "web/session.h"

namespace autotune::web {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

Server::Server(net::io_context& io, ServerOptions options, Api& api, EventHub& hub, ServerMetrics& metrics)
    : options_(std::move(options)),
      api_(api),
      hub_(hub),
      metrics_(metrics),
      batch_(io, api.context().store, api, metrics),
      acceptor_(io),
      retry_(io) {}

Server::~Server() {
  *alive_ = false;
  Stop();
}

Status Server::Start() {
  boost::system::error_code ec;
  auto address = net::ip::make_address(options_.host == "localhost" ? "127.0.0.1" : options_.host, ec);
  if (ec) return Status::InvalidArgument("'" + options_.host + "' is not an IP address", "host");
  const tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return Status::Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                               ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  Accept();
  return Status::Ok();
}

void Server::Accept() {
  acceptor_.async_accept(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec, tcp::socket socket) {
        auto a = alive.lock();
        if (!a || !*a || stopped_) return;
        if (!ec) {
          const bool refuse = static_cast<int>(sessions_.size()) >= options_.max_connections;
          auto session = std::make_shared<HttpSession>(std::move(socket), *this, alive_, options_, api_, hub_,
                                                       metrics_, refuse);
          sessions_[session.get()] = session;
          session->Run();
        }
        if (!ec || ec == net::error::connection_aborted) return Accept();
        // Out of file descriptors, say: the server keeps going, after a pause
        // rather than in a busy loop.
        retry_.expires_after(std::chrono::milliseconds(100));
        retry_.async_wait([this, token = std::weak_ptr<bool>(alive_)](const boost::system::error_code& e) {
          auto still = token.lock();
          if (!e && still && *still && !stopped_) Accept();
        });
      });
}

void Server::Stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
  auto sessions = sessions_;  // Close may end sessions, which remove themselves
  for (auto& [raw, weak] : sessions)
    if (auto s = weak.lock()) s->Close();
}

void Server::Remove(HttpSession* s) { sessions_.erase(s); }

}  // namespace autotune::web
