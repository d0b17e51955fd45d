// HttpSession: one connection of the Server (server.h states the rules it
// follows). Internal to web/.
#pragma once

#include <array>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "web/server.h"

namespace autotune::web {

class HttpSession : public std::enable_shared_from_this<HttpSession>, public EventSink {
 public:
  // refuse: the connection cap was reached; answer 503 and close.
  HttpSession(boost::asio::ip::tcp::socket socket, Server& server, std::weak_ptr<bool> server_alive,
              const ServerOptions& options, Api& api, EventHub& hub, ServerMetrics& metrics, bool refuse);
  ~HttpSession() override;

  void Run();
  // Closes the connection now (server shutdown); pending handlers end.
  void Close();

  void Push(std::string text) override;
  std::size_t Backlog() const override { return backlog_; }

 private:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  void WaitForRequest();
  void ReadRequest();
  void OnRead(const boost::beast::error_code& ec);
  // Writes the reply; keep_alive false closes the connection after it.
  void Respond(Reply reply, unsigned version, bool keep_alive);
  void OnWritten(const boost::beast::error_code& ec, bool keep_alive);
  // Answers a request that could not be read, then lingers and closes.
  void Refuse(boost::beast::http::status status, const std::string& code, const std::string& message);
  // Half-closes and discards what the client still sends (for a short
  // while), so it reads our answer instead of a connection reset.
  void Linger();
  void StartStream(const EventStreamStart& start);
  void WriteNext();
  void WatchClient();  // streams: notice when the client goes

  boost::beast::tcp_stream stream_;
  Server& server_;
  std::weak_ptr<bool> server_alive_;
  const ServerOptions& options_;
  Api& api_;
  EventHub& hub_;
  ServerMetrics& metrics_;
  bool refuse_;
  bool closed_ = false;

  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<Response> response_;  // alive while it is written
  std::chrono::steady_clock::time_point request_read_;
  std::string route_;
  int status_ = 0;

  // Event streams.
  bool streaming_ = false;
  std::int64_t stream_study_ = 0;
  std::deque<std::string> queue_;
  bool writing_ = false;
  std::size_t backlog_ = 0;
  std::array<char, 1024> scratch_{};
};

}  // namespace autotune::web
