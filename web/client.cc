#include "web/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/url/parse.hpp>
#include <cctype>

namespace autotune::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::chrono::steady_clock::duration Seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status Unreachable(const ServerUrl& s, const std::string& what, const beast::error_code& ec) {
  return Status::Unavailable("cannot " + what + " the server at http://" + s.host + ":" + s.port + ": " +
                             ec.message());
}

// Resolves and connects `stream` within the stream's expiry, running io.
Status ConnectStream(net::io_context& io, beast::tcp_stream& stream, const ServerUrl& server,
                     double timeout_s) {
  beast::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(server.host, server.port, ec);
  if (ec) return Unreachable(server, "resolve", ec);
  stream.expires_after(Seconds(timeout_s));
  stream.async_connect(endpoints, [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
  io.restart();
  io.run();
  if (ec) return Unreachable(server, "connect to", ec);
  stream.socket().set_option(tcp::no_delay(true), ec);
  return Status::Ok();
}

}  // namespace

StatusOr<ServerUrl> ParseServerUrl(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return Status::InvalidArgument("'" + url + "' is not a URL (http://HOST:PORT)", "server");
  if (u->scheme() != "http")
    return Status::InvalidArgument(
        "only http:// servers are supported, not '" + std::string(u->scheme()) + "'", "server");
  if (!u->has_authority() || u->host().empty())
    return Status::InvalidArgument("'" + url + "' names no host", "server");
  if (!u->path().empty() && u->path() != "/")
    return Status::InvalidArgument("give the server's root URL, without a path", "server");
  ServerUrl s;
  s.host = u->host_type() == boost::urls::host_type::ipv6 ? std::string(u->host_ipv6_address().to_string())
                                                          : std::string(u->host());
  s.port = u->has_port() ? std::string(u->port()) : "80";
  return s;
}

HttpClient::HttpClient(ServerUrl server, ClientOptions options)
    : server_(std::move(server)), options_(std::move(options)) {}

HttpClient::~HttpClient() = default;

Status HttpClient::Connect() {
  stream_ = std::make_unique<beast::tcp_stream>(io_);
  buffer_.clear();
  Status s = ConnectStream(io_, *stream_, server_, options_.timeout_s);
  if (!s.ok()) {
    stream_.reset();
    return s;
  }
  ++connections_;
  return Status::Ok();
}

void HttpClient::RunOnce() {
  io_.restart();
  io_.run();
}

StatusOr<HttpResult> HttpClient::Request(http::verb method, const std::string& target,
                                         const std::string& body,
                                         const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> req(method, target, 11);
  req.set(http::field::host, server_.host + ":" + server_.port);
  req.set(http::field::user_agent, "autotune");
  if (!options_.token.empty()) req.set(http::field::authorization, "Bearer " + options_.token);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == http::verb::post) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(true);
  req.prepare_payload();
  // A kept-alive connection the server has closed meanwhile (idle timeout)
  // fails at once: reconnect and send again, once.
  const bool reused = stream_ != nullptr;
  auto result = Exchange(req);
  if (!result.ok() && reused && result.status().code() == Status::Code::kCancelled) result = Exchange(req);
  if (!result.ok() && result.status().code() == Status::Code::kCancelled)
    return Status::Unavailable(result.status().message());
  return result;
}

StatusOr<HttpResult> HttpClient::Exchange(const http::request<http::string_body>& req) {
  if (!stream_) AT_RETURN_IF_ERROR(Connect());
  beast::error_code ec;
  stream_->expires_after(Seconds(options_.timeout_s));
  http::async_write(*stream_, req, [&](const beast::error_code& e, std::size_t) { ec = e; });
  RunOnce();
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u << 20);
  if (!ec) {
    http::async_read(*stream_, buffer_, parser, [&](const beast::error_code& e, std::size_t) { ec = e; });
    RunOnce();
  }
  if (ec) {
    const bool closed_by_server = ec == http::error::end_of_stream || ec == net::error::connection_reset ||
                                  ec == net::error::broken_pipe || ec == net::error::eof;
    stream_.reset();
    // Cancelled: "the connection was gone before an answer began"; the
    // caller may send again.
    if (closed_by_server && !parser.got_some())
      return Status::Cancelled(Unreachable(server_, "talk to", ec).message());
    return Unreachable(server_, "talk to", ec);
  }
  auto res = parser.release();
  HttpResult out;
  out.status = static_cast<int>(res.result_int());
  out.body = std::move(res.body());
  for (const auto& field : res)
    out.headers[Lower(std::string(field.name_string()))] = std::string(field.value());
  if (!res.keep_alive()) stream_.reset();
  return out;
}

EventStreamReader::EventStreamReader(ServerUrl server, ClientOptions options)
    : server_(std::move(server)), options_(std::move(options)) {}

EventStreamReader::~EventStreamReader() = default;

Status EventStreamReader::Open(const std::string& target, const std::string& last_event_id) {
  stream_ = std::make_unique<beast::tcp_stream>(io_);
  AT_RETURN_IF_ERROR(ConnectStream(io_, *stream_, server_, options_.timeout_s));
  http::request<http::empty_body> req(http::verb::get, target, 11);
  req.set(http::field::host, server_.host + ":" + server_.port);
  req.set(http::field::accept, "text/event-stream");
  if (!options_.token.empty()) req.set(http::field::authorization, "Bearer " + options_.token);
  if (!last_event_id.empty()) req.set("Last-Event-ID", last_event_id);
  beast::error_code ec;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  stream_->expires_after(Seconds(options_.timeout_s));
  http::async_write(*stream_, req, [&](const beast::error_code& e, std::size_t) { ec = e; });
  io_.restart();
  io_.run();
  if (!ec) {
    http::async_read_header(*stream_, buffer, parser,
                            [&](const beast::error_code& e, std::size_t) { ec = e; });
    io_.restart();
    io_.run();
  }
  if (ec) return Unreachable(server_, "open the event stream of", ec);
  if (parser.get().result() != http::status::ok) {
    http::async_read(*stream_, buffer, parser, [&](const beast::error_code& e, std::size_t) { ec = e; });
    io_.restart();
    io_.run();
    return Status::FailedPrecondition("HTTP " + std::to_string(parser.get().result_int()) + ": " +
                                      parser.get().body());
  }
  // What came with the header is the start of the stream.
  pending_ = beast::buffers_to_string(buffer.data());
  stream_->expires_never();
  return Status::Ok();
}

std::optional<SseEvent> EventStreamReader::TakeEvent() {
  for (;;) {
    const std::size_t end = pending_.find("\n\n");
    if (end == std::string::npos) return std::nullopt;
    const std::string block = pending_.substr(0, end);
    pending_.erase(0, end + 2);
    SseEvent e;
    bool any = false;
    std::size_t start = 0;
    while (start <= block.size()) {
      std::size_t nl = block.find('\n', start);
      if (nl == std::string::npos) nl = block.size();
      const std::string line = block.substr(start, nl - start);
      start = nl + 1;
      if (line.rfind("id: ", 0) == 0)
        e.id = line.substr(4), any = true;
      else if (line.rfind("data: ", 0) == 0)
        e.data += (e.data.empty() ? "" : "\n") + line.substr(6), any = true;
    }
    if (any) return e;  // blocks of comments only (": ping") are skipped
  }
}

StatusOr<std::optional<SseEvent>> EventStreamReader::Next(double timeout_s) {
  if (auto e = TakeEvent()) return e;
  if (closed_ || !stream_) return std::optional<SseEvent>();
  const auto deadline = std::chrono::steady_clock::now() + Seconds(timeout_s);
  net::steady_timer timer(io_);
  char chunk[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    beast::error_code ec;
    std::size_t n = 0;
    bool read_done = false;
    timer.expires_at(deadline);
    timer.async_wait([&](const beast::error_code& e) {
      if (!e && !read_done) stream_->socket().cancel();
    });
    stream_->async_read_some(net::buffer(chunk), [&](const beast::error_code& e, std::size_t got) {
      read_done = true;
      ec = e;
      n = got;
      timer.cancel();
    });
    io_.restart();
    io_.run();
    pending_.append(chunk, n);
    if (auto e = TakeEvent()) return e;
    if (ec == net::error::operation_aborted) break;  // the deadline
    if (ec) {
      closed_ = true;
      break;
    }
  }
  return std::optional<SseEvent>();
}

}  // namespace autotune::web
