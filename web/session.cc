#include "web/session.h"

#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

namespace autotune::web {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::chrono::steady_clock::duration Seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

bool IsHttpParseError(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

}  // namespace

HttpSession::HttpSession(tcp::socket socket, Server& server, std::weak_ptr<bool> server_alive,
                         const ServerOptions& options, Api& api, EventHub& hub, ServerMetrics& metrics,
                         bool refuse)
    : stream_(std::move(socket)),
      server_(server),
      server_alive_(std::move(server_alive)),
      options_(options),
      api_(api),
      hub_(hub),
      metrics_(metrics),
      refuse_(refuse) {
  metrics_.ConnectionOpened();
  beast::error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored);  // small answers go out at once
}

HttpSession::~HttpSession() {
  // The server (and the metrics it outlives) may be gone when the io_context
  // destroys its last handlers.
  auto alive = server_alive_.lock();
  if (!alive || !*alive) return;
  metrics_.ConnectionClosed();
  if (streaming_) metrics_.StreamClosed();
  server_.Remove(this);
}

void HttpSession::Run() {
  if (refuse_) {
    metrics_.ConnectionRefused();
    return Refuse(http::status::service_unavailable, "unavailable",
                  "too many connections (" + std::to_string(options_.max_connections) + "); try again later");
  }
  WaitForRequest();
}

void HttpSession::Close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
}

void HttpSession::WaitForRequest() {
  if (closed_) return;
  if (buffer_.size() > 0) return ReadRequest();  // a pipelined request is here already
  // Idle: wait for the first bytes of the next request.
  stream_.expires_after(Seconds(options_.idle_timeout_s));
  stream_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](const beast::error_code& ec, std::size_t n) {
                            if (self->closed_) return;
                            if (ec) return self->Close();  // the client went, or stayed idle too long
                            self->buffer_.commit(n);
                            self->ReadRequest();
                          });
}

void HttpSession::ReadRequest() {
  parser_.emplace();
  parser_->body_limit(options_.body_limit);
  parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
  stream_.expires_after(Seconds(options_.read_timeout_s));
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](const beast::error_code& ec, std::size_t) { self->OnRead(ec); });
}

void HttpSession::OnRead(const beast::error_code& ec) {
  if (closed_) return;
  if (ec == http::error::body_limit) {
    return Refuse(http::status::payload_too_large, "payload_too_large",
                  "the request body exceeds the limit of " + std::to_string(options_.body_limit) + " bytes");
  }
  if (ec == http::error::header_limit) {
    return Refuse(http::status::request_header_fields_too_large, "header_too_large",
                  "the request header exceeds " + std::to_string(options_.header_limit) + " bytes");
  }
  if (ec && IsHttpParseError(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return Refuse(http::status::bad_request, "invalid_argument", "malformed HTTP request: " + ec.message());
  }
  if (ec) return Close();  // end of stream, timeout, reset
  request_read_ = std::chrono::steady_clock::now();
  Request request = parser_->release();
  if (CommitBatch::Batched(request)) {
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    return server_.batch().Add(std::move(request), [self = shared_from_this(), version, keep_alive](Reply reply) {
      if (!self->closed_) self->Respond(std::move(reply), version, keep_alive);
    });
  }
  Reply reply = api_.Handle(request);
  if (reply.stream && reply.code() == 200) return StartStream(*reply.stream);
  Respond(std::move(reply), request.version(), request.keep_alive());
}

void HttpSession::Respond(Reply reply, unsigned version, bool keep_alive) {
  route_ = reply.route;
  status_ = reply.code();
  response_ = std::make_shared<Response>(reply.status, version);
  response_->set(http::field::server, "autotune");
  response_->set(http::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) response_->set(name, value);
  response_->body() = std::move(reply.body);
  response_->keep_alive(keep_alive);
  response_->prepare_payload();
  stream_.expires_after(Seconds(options_.write_timeout_s));
  http::async_write(stream_, *response_,
                    [self = shared_from_this(), keep_alive](const beast::error_code& ec, std::size_t) {
                      self->OnWritten(ec, keep_alive);
                    });
}

void HttpSession::OnWritten(const beast::error_code& ec, bool keep_alive) {
  response_.reset();
  if (status_ != 0) {
    metrics_.Observe(route_, status_,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - request_read_).count());
  }
  if (closed_) return;
  if (ec) return Close();
  if (!keep_alive) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    return Close();
  }
  WaitForRequest();
}

void HttpSession::Refuse(http::status status, const std::string& code, const std::string& message) {
  route_.clear();
  status_ = 0;  // not a request the API answered: kept out of the latency histogram
  response_ = std::make_shared<Response>(status, 11);
  Reply reply = ErrorReply(status, code, message);
  response_->set(http::field::server, "autotune");
  response_->set(http::field::content_type, reply.content_type);
  response_->body() = std::move(reply.body);
  response_->keep_alive(false);
  response_->prepare_payload();
  stream_.expires_after(Seconds(options_.write_timeout_s));
  http::async_write(stream_, *response_,
                    [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                      self->response_.reset();
                      if (self->closed_) return;
                      if (ec) return self->Close();
                      self->Linger();
                    });
}

void HttpSession::Linger() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(std::chrono::seconds(2));
  stream_.async_read_some(net::buffer(scratch_),
                          [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                            if (self->closed_) return;
                            if (ec) return self->Close();
                            self->Linger();
                          });
}

void HttpSession::StartStream(const EventStreamStart& start) {
  streaming_ = true;
  stream_study_ = start.study_id;
  metrics_.StreamOpened();
  // The watch's read never expires; each write below gets its own timeout.
  stream_.expires_never();
  WatchClient();
  // No Content-Length: the body is the stream, ended by closing.
  Push(
      "HTTP/1.1 200 OK\r\nServer: autotune\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Connection: close\r\nX-Accel-Buffering: no\r\n\r\n: events of study " +
      std::to_string(start.study_id) + "\n\n");
  hub_.Subscribe(start.study_id, start.after_id, std::static_pointer_cast<EventSink>(shared_from_this()));
}

void HttpSession::WatchClient() {
  // A stream's client sends nothing; a read that ends means it went away.
  stream_.async_read_some(net::buffer(scratch_),
                          [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                            if (self->closed_) return;
                            if (ec) return self->Close();
                            self->WatchClient();
                          });
}

void HttpSession::Push(std::string text) {
  if (closed_ || text.empty()) return;
  backlog_ += text.size();
  queue_.push_back(std::move(text));
  if (!writing_) WriteNext();
}

void HttpSession::WriteNext() {
  if (closed_ || queue_.empty()) return;
  writing_ = true;
  stream_.expires_after(Seconds(options_.write_timeout_s));  // the pending watch keeps its own (no) expiry
  net::async_write(stream_, net::buffer(queue_.front()),
                   [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                     self->writing_ = false;
                     if (self->closed_) return;
                     if (ec) return self->Close();
                     self->backlog_ -= self->queue_.front().size();
                     self->queue_.pop_front();
                     if (self->queue_.empty()) {
                       // Written out: a stream the hub held back for its backlog can go on.
                       self->hub_.Notify(self->stream_study_);
                       return;
                     }
                     self->WriteNext();
                   });
}

}  // namespace autotune::web
