// A small blocking HTTP/1.1 client for the REST API: the CLI's `--server`
// commands, the tests and the benchmark use it. One connection, kept alive
// across requests and reopened once when the server has closed it; every
// request has a deadline. Not thread-safe: one client per thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tuner/core/status.h"

namespace autotune::web {

struct ClientOptions {
  std::string token;      // sent as "Authorization: Bearer <token>" when not empty
  double timeout_s = 60;  // per request (connect, write, read)
};

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
};

// A server address: "http://host:port" (https is not supported).
struct ServerUrl {
  std::string host;
  std::string port;
};
StatusOr<ServerUrl> ParseServerUrl(const std::string& url);

class HttpClient {
 public:
  HttpClient(ServerUrl server, ClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Unavailable when the server cannot be reached or the deadline passes.
  StatusOr<HttpResult> Request(boost::beast::http::verb method, const std::string& target,
                               const std::string& body = "",
                               const std::vector<std::pair<std::string, std::string>>& headers = {});
  StatusOr<HttpResult> Get(const std::string& target) {
    return Request(boost::beast::http::verb::get, target);
  }
  StatusOr<HttpResult> Post(const std::string& target, const std::string& body) {
    return Request(boost::beast::http::verb::post, target, body);
  }
  // How many connections it opened (1 while keep-alive holds).
  int connections() const { return connections_; }

 private:
  Status Connect();
  StatusOr<HttpResult> Exchange(const boost::beast::http::request<boost::beast::http::string_body>& req);
  // Runs the io_context until the pending operation ends or the deadline.
  void RunOnce();

  ServerUrl server_;
  ClientOptions options_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
  int connections_ = 0;
};

// One server-sent event.
struct SseEvent {
  std::string id;
  std::string data;
};

// Reads a server-sent event stream (GET target, optionally resuming after
// Last-Event-ID).
class EventStreamReader {
 public:
  EventStreamReader(ServerUrl server, ClientOptions options);
  ~EventStreamReader();
  // Connects and reads the response's header. Error for a status other than
  // 200 (the body's message in the Status).
  Status Open(const std::string& target, const std::string& last_event_id = "");
  // The next event within timeout_s: nullopt when none came in time, or the
  // server ended the stream (closed() then says so). Comments are skipped.
  StatusOr<std::optional<SseEvent>> Next(double timeout_s);
  bool closed() const { return closed_; }

 private:
  std::optional<SseEvent> TakeEvent();

  ServerUrl server_;
  ClientOptions options_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::beast::tcp_stream> stream_;
  std::string pending_;  // bytes received and not yet parsed
  bool closed_ = false;
};

}  // namespace autotune::web
