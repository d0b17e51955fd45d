// The server over real sockets: keep-alive, body and header limits,
// malformed requests, timeouts, the connection cap, auth.
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "tests/web/api_test_util.h"
#include "tests/web/server_test_util.h"

namespace autotune::web::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class HttpTest : public ServerTest {
 protected:
  // A plain socket to the server, for what the client would not send.
  std::unique_ptr<tcp::socket> Raw() {
    auto s = std::make_unique<tcp::socket>(client_io_);
    s->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
    return s;
  }
  // Everything the server sends until it closes (or `limit_s` passes).
  std::string ReadToClose(tcp::socket& s, double limit_s = 20) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
    s.non_blocking(true);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      boost::system::error_code ec;
      std::size_t n = s.read_some(net::buffer(buf), ec);
      if (ec == net::error::would_block) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (ec) {
        closed_ = true;
        return out;
      }
      out.append(buf, n);
    }
    closed_ = false;
    return out;
  }

  net::io_context client_io_;
  bool closed_ = false;
};

TEST_F(HttpTest, KeepAliveServesManyRequestsOnOneConnection) {
  Start();
  auto client = Client();
  for (int i = 0; i < 50; ++i) {
    auto r = client->Get("/healthz");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(client->connections(), 1);
}

TEST_F(HttpTest, AnOversizedBodyIs413AndTheServerKeepsServing) {
  Start();
  auto client = Client();
  const std::string big(2u << 20, 'x');
  auto r = client->Post("/api/v1/studies", big);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(Body(r)["error"]["code"], "payload_too_large");
  EXPECT_TRUE(store_->ListStudies()->empty());
  auto after = client->Post("/api/v1/studies", AskTellSpec("a", 3));
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->status, 201);
}

TEST_F(HttpTest, TheBodyLimitIsTheServersOption) {
  ServerOptions options;
  options.body_limit = 64;
  Start(options);
  auto r = Client()->Post("/api/v1/studies", AskTellSpec("a", 3));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 413);
}

TEST_F(HttpTest, MalformedRequestsAndHugeHeadersAreRefusedAndTheConnectionClosed) {
  Start();
  {
    auto s = Raw();
    net::write(*s, net::buffer(std::string("THIS IS NOT HTTP\r\n\r\n")));
    const std::string answer = ReadToClose(*s);
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
    EXPECT_NE(answer.find("\"invalid_argument\""), std::string::npos) << answer;
    EXPECT_TRUE(closed_);
  }
  {
    auto s = Raw();
    net::write(*s, net::buffer("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 << 10, 'a') +
                               "\r\n\r\n"));
    const std::string answer = ReadToClose(*s);
    EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer.substr(0, 200);
  }
  auto ok = Client()->Get("/healthz");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpTest, IdleAndSlowConnectionsAreClosedAfterTheirTimeouts) {
  ServerOptions options;
  options.idle_timeout_s = 0.3;
  options.read_timeout_s = 0.5;
  Start(options);
  {
    auto s = Raw();  // sends nothing
    const auto begin = std::chrono::steady_clock::now();
    EXPECT_EQ(ReadToClose(*s), "");
    EXPECT_TRUE(closed_);
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(15));
  }
  {
    auto s = Raw();  // begins a request and never ends it
    net::write(*s, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
    EXPECT_EQ(ReadToClose(*s), "");
    EXPECT_TRUE(closed_);
  }
  // A client whose kept-alive connection was closed meanwhile reconnects.
  auto client = Client();
  ASSERT_TRUE(client->Get("/healthz").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  auto r = client->Get("/healthz");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(client->connections(), 2);
}

TEST_F(HttpTest, ConnectionsBeyondTheCapAre503UntilOneCloses) {
  ServerOptions options;
  options.max_connections = 2;
  Start(options);
  auto a = Raw();
  auto b = Raw();
  // The server counts a connection once it has accepted it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (OnServer([this] { return metrics_.connections(); }) < 2 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto refused = Client()->Get("/healthz");
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(Body(refused)["error"]["code"], "unavailable");
  a->close();
  int status = 0;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (status != 200 && std::chrono::steady_clock::now() < deadline) {
    auto r = Client()->Get("/healthz");
    status = r.ok() ? r->status : 0;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, 200);
}

TEST_F(HttpTest, WithATokenRequestsNeedItOverTheWireToo) {
  ApiOptions api;
  api.token = "a-token-of-some-length-42";
  Start({}, api);
  auto anonymous = Client()->Get("/api/v1/studies");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->headers["www-authenticate"], "Bearer realm=\"autotune\"");
  auto wrong = Client("another-token-of-length-42")->Post("/api/v1/studies", AskTellSpec("a", 2));
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401);
  auto right = Client("a-token-of-some-length-42")->Post("/api/v1/studies", AskTellSpec("a", 2));
  ASSERT_TRUE(right.ok());
  EXPECT_EQ(right->status, 201);
  EXPECT_EQ(Client()->Get("/healthz")->status, 200);
}

TEST_F(HttpTest, RequestLatenciesReachTheMetrics) {
  Start();
  auto client = Client();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->Get("/api/v1/studies").ok());
  auto r = client->Get("/metrics");
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->body.find("autotune_http_request_duration_seconds_count{route=\"/api/v1/studies\"} 3\n"),
            std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("autotune_http_connections 1\n"), std::string::npos) << r->body;
}

}  // namespace
}  // namespace autotune::web::testing
