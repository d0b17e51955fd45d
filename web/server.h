// Server: HTTP/1.1 on the engine's io_context (one thread, shared with the
// StudyService, so handlers need no locks and no strands). One session per
// connection runs a read / handle / write loop (web/session.cc):
//   - a connection may wait idle_timeout_s for its next request; once a
//     request has begun it must arrive whole within read_timeout_s, and each
//     response must be written within write_timeout_s; a connection that
//     misses one is closed;
//   - a body over body_limit is refused with 413, a header over
//     header_limit with 431, a malformed request with 400; such a
//     connection is closed after the answer;
//   - keep-alive as the client asks (HTTP/1.1 default);
//   - at most max_connections at once: the next ones get 503 and are closed;
//   - an event-stream reply turns its connection into a server-sent event
//     stream fed by the EventHub until the client goes.
// Requests are handled by Api::Handle, a function of the request; asks and
// tells that arrive together share one store commit (web/commit_batch.h).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "tuner/core/status.h"
#include "web/api.h"
#include "web/commit_batch.h"
#include "web/event_hub.h"
#include "web/server_metrics.h"

namespace autotune::web {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  std::size_t body_limit = 1u << 20;
  std::size_t header_limit = 16u << 10;
  double read_timeout_s = 30;
  double idle_timeout_s = 120;
  double write_timeout_s = 30;
  int max_connections = 256;
};

class HttpSession;

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options, Api& api, EventHub& hub, ServerMetrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. InvalidArgument for a host that is not an
  // IP address or "localhost"; Unavailable when the address cannot be bound.
  Status Start();
  // Stops accepting and closes every connection (streams included).
  void Stop();
  std::uint16_t port() const { return port_; }
  const std::string& host() const { return options_.host; }

  // Sessions leave the server's list when they end.
  void Remove(HttpSession* s);
  CommitBatch& batch() { return batch_; }

 private:
  void Accept();

  ServerOptions options_;
  Api& api_;
  EventHub& hub_;
  ServerMetrics& metrics_;
  CommitBatch batch_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
  boost::asio::steady_timer retry_;                              // after a failed accept
  std::map<HttpSession*, std::weak_ptr<HttpSession>> sessions_;  // for Stop and the connection cap
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Whether host names a loopback address (127.0.0.0/8, ::1, "localhost").
bool IsLoopbackHost(const std::string& host);

}  // namespace autotune::web
