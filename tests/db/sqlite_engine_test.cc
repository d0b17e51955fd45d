// SQLite-only behaviour the study engine relies on: the migration of a
// version-1 file, leases across processes (and after kill -9), retries while
// another connection holds the lock, concurrent first opens, and read-only
// opening for queries.
#include <SQLiteCpp/Database.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "db/schema.h"
#include "db/sqlite_store.h"
#include "tests/db/store_test_util.h"

namespace autotune::db_testing {
namespace {

class SqliteEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  StatusOr<std::unique_ptr<Store>> Open(StoreOptions options = {}) { return OpenSqliteStore(path_, options); }
  TempDir dir_;
  std::string path_ = dir_.File("store.db");
};

TEST_F(SqliteEngineTest, AVersionOneFileIsMigratedKeepingItsData) {
  {
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    AT_ASSERT_OK(db_schema::Migrate(raw, path_, 1));
    raw.exec("INSERT INTO studies (id, name, spec_json, state, created_at) VALUES (1, 'old', '{}', 'running', 1)");
    raw.exec("INSERT INTO trials (id, study_id, number, state, step, checkpoint, created_at, updated_at) "
             "VALUES (1, 1, 0, 'pending', 2, '/c/2', 1, 1)");
    raw.exec("INSERT INTO segments (id, trial_id, attempt, step_begin, step_end, params_json, state, started_at) "
             "VALUES (1, 1, 0, 0, 2, '{}', 'completed', 1)");
    raw.exec("INSERT INTO checkpoints (id, trial_id, segment_id, step, path) VALUES (1, 1, 1, 2, '/c/2')");
    EXPECT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), 1);
  }
  AT_ASSERT_OK_AND_ASSIGN(auto store, Open());
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord t, store->GetTrial(1));
  EXPECT_EQ(t.checkpoint, "/c/2");
  EXPECT_EQ(t.next_step_end, 0);
  AT_ASSERT_OK_AND_ASSIGN(auto cs, store->ListCheckpoints(1));
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].segment_id, 1);
  EXPECT_EQ(store->MarkCheckpointDeleted(1).code(), Status::Code::kFailedPrecondition);  // pinned
  SQLite::Database raw(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), db_schema::LatestVersion());
  EXPECT_FALSE(raw.execAndGet("SELECT COUNT(*) FROM pragma_foreign_key_check").getInt());
}

TEST_F(SqliteEngineTest, ALeaseHeldByAnotherProcessIsRefusedAndFreedWhenItIsKilled) {
  std::int64_t study_id = 0;
  {
    AT_ASSERT_OK_AND_ASSIGN(auto store, Open());
    AT_ASSERT_OK_AND_ASSIGN(StudyRecord s, store->CreateStudy("leased", "{}"));
    study_id = s.id;
  }
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    auto store = OpenSqliteStore(path_);
    if (!store.ok()) ::_exit(2);
    auto lease = (*store)->AcquireStudy(study_id, "pid child on test");
    if (!lease.ok()) ::_exit(3);
    char c = 'x';
    if (::write(ready[1], &c, 1) != 1) ::_exit(4);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  AT_ASSERT_OK_AND_ASSIGN(auto store, Open());
  auto refused = store->AcquireStudy(study_id, "pid parent on test");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("pid child on test"), std::string::npos) << refused.status().message();
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  AT_ASSERT_OK_AND_ASSIGN(auto lease, store->AcquireStudy(study_id, "pid parent on test"));
}

TEST_F(SqliteEngineTest, AWriteWaitsOutAnotherConnectionsExclusiveLock) {
  StoreOptions options;
  options.busy_timeout_ms = 50;  // far shorter than the lock below: the retry must carry it
  options.busy_retry_s = 30;
  AT_ASSERT_OK_AND_ASSIGN(auto store, Open(options));
  AT_ASSERT_OK_AND_ASSIGN(StudyRecord s, store->CreateStudy("busy", "{}"));
  SQLite::Database other(path_, SQLite::OPEN_READWRITE);
  other.exec("BEGIN EXCLUSIVE");
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    other.exec("COMMIT");
  });
  StatusOr<TrialRecord> t = store->CreateTrial(s.id, {{"x", 1.0}}, std::nullopt, 0);
  release.join();
  AT_ASSERT_OK(t);
  options.busy_retry_s = 0;  // without retries the same wait fails, and says why
  AT_ASSERT_OK_AND_ASSIGN(auto impatient, Open(options));
  other.exec("BEGIN EXCLUSIVE");
  StatusOr<TrialRecord> refused = impatient->CreateTrial(s.id, {{"x", 1.0}}, std::nullopt, 0);
  other.exec("COMMIT");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kUnavailable);
}

TEST_F(SqliteEngineTest, ConcurrentFirstOpensOfAFreshFileAllSucceed) {
  for (int round = 0; round < 5; ++round) {
    const std::string path = dir_.File("fresh-" + std::to_string(round) + ".db");
    std::vector<pid_t> children;
    for (int i = 0; i < 4; ++i) {
      const pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        auto store = OpenSqliteStore(path);
        if (!store.ok()) ::_exit(1);
        auto s = (*store)->CreateStudy("s" + std::to_string(i), "{}");
        ::_exit(s.ok() ? 0 : 2);
      }
      children.push_back(pid);
    }
    for (pid_t pid : children) {
      int status = 0;
      ASSERT_EQ(::waitpid(pid, &status, 0), pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "round " << round << " status " << status;
    }
    AT_ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteStore(path));
    AT_ASSERT_OK_AND_ASSIGN(auto studies, store->ListStudies());
    EXPECT_EQ(studies.size(), 4u);
  }
}

TEST_F(SqliteEngineTest, AReadOnlyOpenReadsAndNeverWrites) {
  {
    AT_ASSERT_OK_AND_ASSIGN(auto store, Open());
    AT_ASSERT_OK(store->CreateStudy("ro", "{}"));
  }
  StoreOptions ro;
  ro.read_only = true;
  AT_ASSERT_OK_AND_ASSIGN(auto store, Open(ro));
  AT_ASSERT_OK_AND_ASSIGN(auto found, store->FindStudy("ro"));
  ASSERT_TRUE(found);
  Status write = store->CreateStudy("no", "{}").status();
  EXPECT_EQ(write.code(), Status::Code::kFailedPrecondition) << write.ToString();
  StatusOr<std::unique_ptr<Store>> missing = OpenSqliteStore(dir_.File("absent.db"), ro);
  EXPECT_FALSE(missing.ok());
  EXPECT_FALSE(std::filesystem::exists(dir_.File("absent.db")));  // a read-only open creates nothing
}

}  // namespace
}  // namespace autotune::db_testing
