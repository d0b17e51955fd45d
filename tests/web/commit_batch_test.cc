// Group commit of asks and tells (web/commit_batch.h) without sockets: the
// requests added in one turn of the event loop share one commit of a SQLite
// store and each gets its own reply; a commit that fails answers 500, stops
// later asks and tells, and tells the owner.
#include "web/commit_batch.h"

#include <SQLiteCpp/Database.h>

#include <set>

#include "db/sqlite_store.h"
#include "tests/web/api_test_util.h"

namespace autotune::web::testing {
namespace {

class CommitBatchTest : public ApiTest {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(folder_);
    auto store = OpenSqliteStore(path_, StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    Build(ApiOptions{});
    batch_ = std::make_unique<CommitBatch>(io_, *store_, *api_, metrics_);
    batch_->on_commit_failed = [this](const Status& s) { failures_.push_back(s); };
    study_ = Submit(AskTellSpec("batched", 100, R"(, "searcher": {"algorithm": "random"})"));
  }
  void TearDown() override {
    batch_.reset();
    api_.reset();
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(folder_);
    ApiTest::TearDown();
  }

  // Adds a POST to the batch; its reply lands in replies_[index].
  std::size_t Add(const std::string& target, const std::string& body = "") {
    Request r(http::verb::post, target, 11);
    r.body() = body;
    r.prepare_payload();
    const std::size_t index = replies_.size();
    replies_.emplace_back();
    batch_->Add(std::move(r), [this, index](Reply reply) { replies_[index] = std::move(reply); });
    return index;
  }
  std::string AskTarget() const { return "/api/v1/studies/" + std::to_string(study_) + "/ask"; }
  // Committed rows, as another connection sees them.
  int Committed(const std::string& sql) {
    SQLite::Database raw(path_, SQLite::OPEN_READONLY);
    return raw.execAndGet(sql).getInt();
  }

  const std::filesystem::path folder_ = TestFolder("store");
  const std::string path_ = (folder_ / "store.db").string();
  std::unique_ptr<CommitBatch> batch_;
  std::vector<Reply> replies_;
  std::vector<Status> failures_;
  std::int64_t study_ = 0;
};

TEST_F(CommitBatchTest, RequestsAddedTogetherShareOneCommitAndEachGetsItsOwnReply) {
  for (int i = 0; i < 8; ++i) Add(AskTarget());
  EXPECT_EQ(Committed("SELECT COUNT(*) FROM trials"), 0);  // nothing is handled before the batch runs
  Drain();
  EXPECT_EQ(metrics_.group_commits(), 1u);
  EXPECT_EQ(metrics_.group_requests(), 8u);
  EXPECT_NE(metrics_.Prometheus().find("autotune_group_commit_requests_total 8\n"), std::string::npos);
  std::set<std::int64_t> ids;
  for (const Reply& r : replies_) ids.insert(Expect(r, 200)["trial_id"].get<std::int64_t>());
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(Committed("SELECT COUNT(*) FROM trials WHERE state = 'running'"), 8);

  // Tells, with one that fails (an unknown trial) among them: the others
  // are committed, the failing one answers its own error.
  replies_.clear();
  for (std::int64_t id : ids) Add("/api/v1/trials/" + std::to_string(id) + "/tell", R"({"value": 0.5})");
  const std::size_t unknown = Add("/api/v1/trials/999999/tell", R"({"value": 0.5})");
  Drain();
  EXPECT_EQ(metrics_.group_commits(), 2u);
  for (std::size_t i = 0; i < replies_.size(); ++i) {
    if (i == unknown) {
      ErrorField(replies_[i], 404);
    } else {
      EXPECT_EQ(Expect(replies_[i], 200)["state"], "completed");
    }
  }
  EXPECT_EQ(Committed("SELECT COUNT(*) FROM trials WHERE state = 'completed'"), 8);
  EXPECT_TRUE(failures_.empty());
}

TEST_F(CommitBatchTest, ABatchOfOneCommitsOnItsOwn) {
  Add(AskTarget());
  Drain();
  Expect(replies_[0], 200);
  EXPECT_EQ(metrics_.group_commits(), 0u);
  EXPECT_EQ(Committed("SELECT COUNT(*) FROM trials"), 1);
}

TEST_F(CommitBatchTest, ACommitThatFailsAnswers500AndRefusesLaterAsksAndTells) {
  {
    // A deferred foreign key fails at COMMIT: each ask of the group
    // succeeds, the group's commit does not.
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
    raw.exec(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
        "CREATE TABLE child (pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);"
        "CREATE TRIGGER late AFTER INSERT ON events WHEN NEW.kind = 'trial.created' "
        "BEGIN INSERT INTO child VALUES (999); END");
  }
  for (int i = 0; i < 3; ++i) Add(AskTarget());
  Drain();
  for (const Reply& r : replies_) {
    ErrorField(r, 500);
    EXPECT_NE(r.body.find("nothing of it was saved"), std::string::npos) << r.body;
  }
  EXPECT_EQ(Committed("SELECT COUNT(*) FROM trials"), 0);
  EXPECT_EQ(metrics_.group_commits(), 0u);  // counted only when committed
  ASSERT_EQ(failures_.size(), 1u);
  EXPECT_FALSE(failures_[0].ok());

  // The engine's memory ran ahead of the store: no further ask or tell.
  replies_.clear();
  Add(AskTarget());
  Drain();
  ErrorField(replies_[0], 503);
  EXPECT_NE(replies_[0].body.find("restart"), std::string::npos) << replies_[0].body;
  EXPECT_EQ(failures_.size(), 1u);
}

TEST(CommitBatchRoutesTest, OnlyPostsToAskAndTellAreBatched) {
  auto request = [](http::verb method, const std::string& target) { return Request(method, target, 11); };
  EXPECT_TRUE(CommitBatch::Batched(request(http::verb::post, "/api/v1/studies/3/ask")));
  EXPECT_TRUE(CommitBatch::Batched(request(http::verb::post, "/api/v1/trials/7/tell")));
  EXPECT_TRUE(CommitBatch::Batched(request(http::verb::post, "/api/v1/trials/7/tell?x=1")));
  EXPECT_FALSE(CommitBatch::Batched(request(http::verb::get, "/api/v1/studies/3/ask")));
  EXPECT_FALSE(CommitBatch::Batched(request(http::verb::post, "/api/v1/studies")));
  EXPECT_FALSE(CommitBatch::Batched(request(http::verb::post, "/api/v1/studies/3/stop")));
  EXPECT_FALSE(CommitBatch::Batched(request(http::verb::post, "/api/v1/studies/3/asks")));
}

}  // namespace
}  // namespace autotune::web::testing
