// A real server on a free loopback port, its io_context on a thread of its
// own (as in `autotune serve`), over an in-memory store and a scripted
// executor; the tests talk to it through sockets.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "db/memory_store.h"
#include "tests/tuner/coordinator/fake_executor.h"
#include "tests/web/api_test_util.h"
#include "tuner/coordinator/study_service.h"
#include "web/api.h"
#include "web/client.h"
#include "web/event_hub.h"
#include "web/server.h"

namespace autotune::web::testing {

using nlohmann::json;

class ServerTest : public ::testing::Test {
 protected:
  void Start(ServerOptions server_options = {}, ApiOptions api_options = {},
             EventHubOptions hub_options = {}) {
    server_options.host = "127.0.0.1";
    server_options.port = 0;
    ServiceOptions so;
    so.checkpoint_root = checkpoints_.string();
    service_ = std::make_unique<StudyService>(io_, *store_, exec_, so);
    api_ = std::make_unique<Api>(*store_, *service_, metrics_, api_options);
    hub_ = std::make_unique<EventHub>(io_, *store_, hub_options);
    service_->on_progress = [this](std::int64_t id, const Progress&) { hub_->Notify(id); };
    server_ = std::make_unique<Server>(io_, server_options, *api_, *hub_, metrics_);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    url_.host = "127.0.0.1";
    url_.port = std::to_string(server_->port());
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (thread_.joinable()) {
      boost::asio::post(io_, [this] {
        server_->Stop();
        hub_->Stop();
        service_->InterruptAll([this] { io_.stop(); });
      });
      thread_.join();
    }
    std::filesystem::remove_all(checkpoints_);
  }

  // Runs fn on the server's thread and waits for it (for the objects that
  // live there).
  template <typename Fn>
  auto OnServer(Fn fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  std::unique_ptr<HttpClient> Client(const std::string& token = "") {
    ClientOptions o;
    o.token = token;
    o.timeout_s = 30;
    return std::make_unique<HttpClient>(url_, o);
  }

  static json Body(const StatusOr<HttpResult>& r) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return json();
    json j = json::parse(r->body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r->body;
    return j;
  }

  const std::filesystem::path checkpoints_ = TestFolder("checkpoints");
  boost::asio::io_context io_;
  std::unique_ptr<Store> store_ = NewMemoryStore();
  autotune::testing::FakeExecutor exec_{io_, 2, [](const SegmentTask& t) {
                                          return autotune::testing::Reports(
                                              t, static_cast<double>(t.trial_id % 5));
                                        }};
  ServerMetrics metrics_;
  std::unique_ptr<StudyService> service_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<EventHub> hub_;
  std::unique_ptr<Server> server_;
  ServerUrl url_;
  std::thread thread_;
};

}  // namespace autotune::web::testing
