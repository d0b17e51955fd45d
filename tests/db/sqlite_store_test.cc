// SQLite-only behaviour: persistence, schema versioning, refusal of foreign
// files, transactional atomicity under injected failures, and several
// connections on one file.
#include "db/sqlite_store.h"

#include <SQLiteCpp/Database.h>

#include <fstream>
#include <thread>
#include <vector>

#include "db/schema.h"
#include "tests/db/store_test_util.h"

namespace autotune::db_testing {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }

  StatusOr<std::unique_ptr<Store>> Open() {
    StoreOptions options;
    options.clock = [this] { return now_; };
    return OpenSqliteStore(path_, options);
  }

  // A second, raw connection to the same file, for inspecting and sabotaging it.
  SQLite::Database Raw() { return SQLite::Database(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE); }

  int Count(const std::string& table) { return Raw().execAndGet("SELECT COUNT(*) FROM " + table).getInt(); }

  double now_ = 1000.0;
  TempDir dir_;
  std::string path_ = dir_.File("store.db");
};

TEST_F(SqliteStoreTest, DataSurvivesCloseAndReopen) {
  std::int64_t study_id = 0, trial_id = 0;
  {
    AT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Open());
    AT_ASSERT_OK_AND_ASSIGN(StudyRecord s, store->CreateStudy("persist", R"({"a":1})"));
    study_id = s.id;
    AT_ASSERT_OK_AND_ASSIGN(
        TrialRecord t, store->CreateTrial(s.id, {{"lr", 1e-3}, {"n", std::int64_t{7}}}, std::nullopt, 0));
    trial_id = t.id;
    SegmentRecord seg;
    seg.trial_id = t.id;
    seg.step_end = 2;
    seg.params = t.params;
    AT_ASSERT_OK_AND_ASSIGN(SegmentRecord started, store->StartSegment(seg));
    AT_ASSERT_OK(store->AppendMetrics(started.id, MetricPoint{1, {{"loss", 0.25}}}));
    SegmentOutcome out;
    out.value = 0.25;
    out.trial_step = 2;
    out.checkpoint = "/ckpt/2";
    AT_ASSERT_OK(store->FinishSegment(started.id, out));
  }
  AT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Open());
  AT_ASSERT_OK_AND_ASSIGN(std::optional<StudyRecord> s, store->FindStudy("persist"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->id, study_id);
  EXPECT_EQ(s->spec_json, R"({"a":1})");
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord t, store->GetTrial(trial_id));
  EXPECT_EQ(t.state, TrialState::kCompleted);
  EXPECT_EQ(t.value, std::optional<double>(0.25));
  EXPECT_EQ(t.params, (Params{{"lr", 1e-3}, {"n", std::int64_t{7}}}));
  EXPECT_EQ(t.checkpoint, "/ckpt/2");
  AT_ASSERT_OK_AND_ASSIGN(std::vector<MetricPoint> metrics, store->GetMetrics(trial_id));
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics[0].values, (Metrics{{"loss", 0.25}}));
  AT_ASSERT_OK_AND_ASSIGN(std::vector<SegmentRecord> segments, store->ListSegments(trial_id));
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(segments[0].params, t.params);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> events, store->ListEvents(study_id, 0, 100));
  EXPECT_EQ(events.size(), 6u);
  // Numbering continues after a reopen.
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord next, store->CreateTrial(study_id, {}, std::nullopt, 0));
  EXPECT_EQ(next.number, 1);
}

TEST_F(SqliteStoreTest, OpeningSetsUserVersionAndWalAndCreatesTheTables) {
  AT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Open());
  SQLite::Database raw = Raw();
  EXPECT_GE(db_schema::LatestVersion(), 1);
  EXPECT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), db_schema::LatestVersion());
  EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");  // persistent in the file
  for (const char* table : {"studies", "trials", "params", "segments", "metrics", "checkpoints", "events"}) {
    EXPECT_TRUE(raw.tableExists(table)) << table;
  }
}

TEST_F(SqliteStoreTest, ReopeningAnUpToDateFileMigratesNothing) {
  { AT_ASSERT_OK(Open()); }
  AT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Open());
  AT_ASSERT_OK(store->CreateStudy("s", "{}"));
  EXPECT_EQ(Raw().execAndGet("PRAGMA user_version").getInt(), db_schema::LatestVersion());
}

TEST_F(SqliteStoreTest, NewerSchemaVersionIsRefusedWithAClearMessageAndLeftUntouched) {
  {
    SQLite::Database raw = Raw();
    raw.exec("CREATE TABLE future (x INTEGER)");
    raw.exec("PRAGMA user_version = 99");
  }
  StatusOr<std::unique_ptr<Store>> store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kFailedPrecondition);
  const std::string& msg = store.status().message();
  EXPECT_NE(msg.find("schema version 99"), std::string::npos) << msg;
  EXPECT_NE(msg.find("newer autotune"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path_), std::string::npos) << msg;
  SQLite::Database raw = Raw();
  EXPECT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), 99);
  EXPECT_FALSE(raw.tableExists("studies"));
  EXPECT_NE(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST_F(SqliteStoreTest, AFileThatIsNotADatabaseIsRefused) {
  std::ofstream(path_)
      << "this is a text file, not a SQLite database, and it is long enough to have a header";
  StatusOr<std::unique_ptr<Store>> store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("not a SQLite database"), std::string::npos)
      << store.status().message();
}

TEST_F(SqliteStoreTest, AMissingFolderIsUnavailableWithAdvice) {
  StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(dir_.File("no/such/folder/store.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(store.status().message().find("folder exists"), std::string::npos) << store.status().message();
}

TEST_F(SqliteStoreTest, InMemoryDatabaseWorks) {
  AT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, OpenSqliteStore(":memory:"));
  AT_ASSERT_OK_AND_ASSIGN(StudyRecord s, store->CreateStudy("m", "{}"));
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord t, store->CreateTrial(s.id, {{"x", 1.0}}, std::nullopt, 0));
  EXPECT_EQ(t.number, 0);
  EXPECT_GT(s.created_at, 1.6e9);  // the default clock is the wall clock
}

TEST_F(SqliteStoreTest, FailingFinishSegmentLeavesNothingHalfWritten) {
  AT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Open());
  AT_ASSERT_OK_AND_ASSIGN(StudyRecord s, store->CreateStudy("s", "{}"));
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord t, store->CreateTrial(s.id, {}, std::nullopt, 0));
  SegmentRecord seg;
  seg.trial_id = t.id;
  seg.step_end = 1;
  AT_ASSERT_OK_AND_ASSIGN(SegmentRecord started, store->StartSegment(seg));
  const int events_before = Count("events");

  // An unknown id fails before anything is written.
  EXPECT_EQ(store->FinishSegment(started.id + 100, SegmentOutcome{}).code(), Status::Code::kNotFound);
  EXPECT_EQ(Count("events"), events_before);

  // Make the last write of FinishSegment (its event) fail: the segment and
  // trial updates and the checkpoint row before it must roll back too.
  Raw().exec("CREATE TRIGGER sabotage BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'injected'); END");
  SegmentOutcome out;
  out.value = 0.5;
  out.trial_step = 1;
  out.checkpoint = "/ckpt/1";
  const Status failed = store->FinishSegment(started.id, out);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("injected"), std::string::npos) << failed.message();
  EXPECT_NE(failed.message().find("FinishSegment"), std::string::npos) << failed.message();
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord trial, store->GetTrial(t.id));
  EXPECT_EQ(trial.state, TrialState::kRunning);
  EXPECT_FALSE(trial.value.has_value());
  EXPECT_EQ(trial.checkpoint, "");
  AT_ASSERT_OK_AND_ASSIGN(std::vector<SegmentRecord> segments, store->ListSegments(t.id));
  EXPECT_EQ(segments[0].state, SegmentState::kRunning);
  EXPECT_EQ(Count("checkpoints"), 0);
  EXPECT_EQ(Count("events"), events_before);

  // The connection is not left inside a transaction: the retry succeeds.
  Raw().exec("DROP TRIGGER sabotage");
  AT_ASSERT_OK(store->FinishSegment(started.id, out));
  AT_ASSERT_OK_AND_ASSIGN(trial, store->GetTrial(t.id));
  EXPECT_EQ(trial.state, TrialState::kCompleted);
  EXPECT_EQ(Count("checkpoints"), 1);
}

TEST_F(SqliteStoreTest, FailingCreateTrialConsumesNoNumber) {
  AT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Open());
  AT_ASSERT_OK_AND_ASSIGN(StudyRecord s, store->CreateStudy("s", "{}"));
  Raw().exec(
      "CREATE TRIGGER sabotage BEFORE INSERT ON params WHEN NEW.name = 'bad' "
      "BEGIN SELECT RAISE(ABORT, 'injected'); END");
  EXPECT_FALSE(store->CreateTrial(s.id, {{"a", 1.0}, {"bad", 2.0}}, std::nullopt, 0).ok());
  EXPECT_EQ(Count("trials"), 0);
  EXPECT_EQ(Count("params"), 0);
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord t, store->CreateTrial(s.id, {{"a", 1.0}}, std::nullopt, 0));
  EXPECT_EQ(t.number, 0);
}

TEST_F(SqliteStoreTest, TwoConnectionsOnOneFileWriteConcurrentlyWithoutLosingTrials) {
  AT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> a, Open());
  AT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> b, Open());
  AT_ASSERT_OK_AND_ASSIGN(StudyRecord s, a->CreateStudy("shared", "{}"));
  constexpr int kPerThread = 30;
  std::vector<Status> failures(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Store& st = i % 2 == 0 ? *a : *b;
      for (int k = 0; k < kPerThread; ++k) {
        StatusOr<TrialRecord> t = st.CreateTrial(s.id, {{"k", std::int64_t{k}}}, std::nullopt, 0);
        if (!t.ok()) return void(failures[i] = t.status());
        SegmentRecord seg;
        seg.trial_id = t->id;
        seg.step_end = 1;
        StatusOr<SegmentRecord> started = st.StartSegment(seg);
        if (!started.ok()) return void(failures[i] = started.status());
        SegmentOutcome out;
        out.trial_step = 1;
        if (Status f = st.FinishSegment(started->id, out); !f.ok()) return void(failures[i] = f);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& f : failures) EXPECT_TRUE(f.ok()) << f.ToString();
  AT_ASSERT_OK_AND_ASSIGN(std::vector<TrialRecord> trials, b->ListTrials(s.id));
  ASSERT_EQ(trials.size(), 4u * kPerThread);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].number, static_cast<int>(i));
    EXPECT_EQ(trials[i].state, TrialState::kCompleted);
  }
  EXPECT_EQ(Raw().execAndGet("PRAGMA integrity_check").getString(), "ok");
}

}  // namespace
}  // namespace autotune::db_testing
