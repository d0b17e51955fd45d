// Write groups (Store::BeginGroup / EndGroup) on the SQLite store: one
// commit for the group, each call still all or nothing, nothing of a group
// whose commit fails, and other threads held off while a group is open.
#include <SQLiteCpp/Database.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "db/sqlite_store.h"
#include "tests/db/store_test_util.h"

namespace autotune::db_testing {
namespace {

class SqliteGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(path_, StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto study = store_->CreateStudy("s", "{}");
    ASSERT_TRUE(study.ok());
    study_ = study->id;
  }

  // Another connection: it sees what is committed, nothing else.
  int Count(const std::string& table) {
    SQLite::Database raw(path_, SQLite::OPEN_READONLY);
    return raw.execAndGet("SELECT COUNT(*) FROM " + table).getInt();
  }
  void Sabotage(const std::string& sql) {
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
    raw.exec(sql);
  }
  SegmentRecord FirstSegment(std::int64_t trial_id) {
    SegmentRecord seg;
    seg.trial_id = trial_id;
    seg.step_end = 1;
    return seg;
  }

  TempDir dir_;
  std::string path_ = dir_.File("store.db");
  std::unique_ptr<Store> store_;
  std::int64_t study_ = 0;
};

TEST_F(SqliteGroupTest, TheGroupsWritesBecomeVisibleTogetherAtEndGroup) {
  AT_ASSERT_OK(store_->BeginGroup());
  for (int i = 0; i < 3; ++i) AT_ASSERT_OK(store_->CreateRunningTrial(study_, {}, FirstSegment(0)).status());
  // This connection sees its own writes; no other one does yet.
  AT_ASSERT_OK_AND_ASSIGN(auto counts, store_->CountTrials(study_));
  EXPECT_EQ(counts[static_cast<int>(TrialState::kRunning)], 3);
  EXPECT_EQ(Count("trials"), 0);
  EXPECT_EQ(Count("segments"), 0);
  AT_ASSERT_OK(store_->EndGroup());
  EXPECT_EQ(Count("trials"), 3);
  EXPECT_EQ(Count("segments"), 3);
}

TEST_F(SqliteGroupTest, AFailingCallRollsBackOnlyItselfAndTheGroupCommitsTheRest) {
  Sabotage(
      "CREATE TRIGGER sabotage BEFORE INSERT ON events WHEN NEW.kind = 'segment.started' "
      "BEGIN SELECT RAISE(ABORT, 'injected'); END");
  AT_ASSERT_OK(store_->BeginGroup());
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord first, store_->CreateTrial(study_, {{"x", 1.0}}, std::nullopt, 0));
  const Status failed = store_->StartSegment(FirstSegment(first.id)).status();  // trial update and segment too
  EXPECT_NE(failed.message().find("injected"), std::string::npos) << failed.ToString();
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord second, store_->CreateTrial(study_, {{"x", 2.0}}, std::nullopt, 0));
  EXPECT_EQ(second.number, 1);
  AT_ASSERT_OK(store_->EndGroup());
  EXPECT_EQ(Count("trials"), 2);
  EXPECT_EQ(Count("segments"), 0);
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord t, store_->GetTrial(first.id));
  EXPECT_EQ(t.state, TrialState::kPending);
}

TEST_F(SqliteGroupTest, ACommitThatFailsLeavesNothingOfTheGroupAndTheStoreUsable) {
  // A deferred foreign key is checked at COMMIT: every call of the group
  // succeeds, the group's commit does not.
  Sabotage(
      "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
      "CREATE TABLE child (pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);"
      "CREATE TRIGGER late AFTER INSERT ON events WHEN NEW.kind = 'trial.created' "
      "BEGIN INSERT INTO child VALUES (999); END");
  const int events_before = Count("events");
  AT_ASSERT_OK(store_->BeginGroup());
  AT_ASSERT_OK(store_->CreateTrial(study_, {}, std::nullopt, 0).status());
  AT_ASSERT_OK(store_->CreateTrial(study_, {}, std::nullopt, 0).status());
  const Status ended = store_->EndGroup();
  ASSERT_FALSE(ended.ok());
  EXPECT_NE(ended.message().find("EndGroup"), std::string::npos) << ended.ToString();
  EXPECT_EQ(Count("trials"), 0);
  EXPECT_EQ(Count("events"), events_before);
  AT_ASSERT_OK_AND_ASSIGN(auto trials, store_->ListTrials(study_));
  EXPECT_TRUE(trials.empty());
  // Not left inside a transaction: a call on its own commits again.
  Sabotage("DROP TRIGGER late");
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord t, store_->CreateTrial(study_, {}, std::nullopt, 0));
  EXPECT_EQ(t.number, 0);
  EXPECT_EQ(Count("trials"), 1);
}

TEST_F(SqliteGroupTest, GroupsDoNotNestAndEndNeedsABegin) {
  EXPECT_EQ(store_->EndGroup().code(), Status::Code::kFailedPrecondition);
  AT_ASSERT_OK(store_->BeginGroup());
  EXPECT_EQ(store_->BeginGroup().code(), Status::Code::kFailedPrecondition);
  AT_ASSERT_OK(store_->CreateTrial(study_, {}, std::nullopt, 0).status());
  AT_ASSERT_OK(store_->EndGroup());
  EXPECT_EQ(Count("trials"), 1);
  EXPECT_EQ(store_->EndGroup().code(), Status::Code::kFailedPrecondition);
}

TEST_F(SqliteGroupTest, AnotherThreadsCallWaitsForTheGroupToEnd) {
  AT_ASSERT_OK(store_->BeginGroup());
  AT_ASSERT_OK(store_->CreateTrial(study_, {}, std::nullopt, 0).status());
  std::atomic<bool> done{false};
  std::thread other([&] {
    EXPECT_TRUE(store_->CreateTrial(study_, {}, std::nullopt, 0).ok());
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(done.load());  // held off: it would otherwise have joined the group
  AT_ASSERT_OK(store_->EndGroup());
  other.join();
  EXPECT_TRUE(done.load());
  EXPECT_EQ(Count("trials"), 2);
}

TEST(MemoryStoreGroupTest, GroupsAreAcceptedAndChangeNothing) {
  auto store = NewMemoryStore();
  AT_ASSERT_OK(store->BeginGroup());
  AT_ASSERT_OK_AND_ASSIGN(StudyRecord s, store->CreateStudy("m", "{}"));
  AT_ASSERT_OK(store->EndGroup());
  AT_ASSERT_OK_AND_ASSIGN(auto found, store->FindStudy("m"));
  EXPECT_TRUE(found.has_value());
}

}  // namespace
}  // namespace autotune::db_testing
