// Store contract, part 1: studies, trials, params and events. Every test runs
// against each Store implementation (store_test_util.h).
#include <cmath>
#include <cstdint>
#include <limits>
#include <thread>
#include <vector>

#include "tests/db/store_test_util.h"

namespace autotune::db_testing {
namespace {

template <typename Factory>
class StoreContractTest : public StoreFixture<Factory> {};
TYPED_TEST_SUITE(StoreContractTest, StoreTypes, StoreTypeNames);

TYPED_TEST(StoreContractTest, CreateStudyStoresNameSpecRunningStateAndTime) {
  this->now_ = 1234.5;
  AT_ASSERT_OK_AND_ASSIGN(StudyRecord s, this->store_->CreateStudy("alpha", R"({"seed":1})"));
  EXPECT_GT(s.id, 0);
  AT_ASSERT_OK_AND_ASSIGN(StudyRecord got, this->store_->GetStudy(s.id));
  EXPECT_EQ(got.id, s.id);
  EXPECT_EQ(got.name, "alpha");
  EXPECT_EQ(got.spec_json, R"({"seed":1})");
  EXPECT_EQ(got.state, StudyState::kRunning);
  EXPECT_EQ(got.created_at, 1234.5);
  EXPECT_EQ(got.finished_at, 0);
}

TYPED_TEST(StoreContractTest, FindStudyByNameAndNulloptForUnknownName) {
  const StudyRecord s = this->NewStudy("alpha");
  AT_ASSERT_OK_AND_ASSIGN(std::optional<StudyRecord> found, this->store_->FindStudy("alpha"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, s.id);
  AT_ASSERT_OK_AND_ASSIGN(std::optional<StudyRecord> missing, this->store_->FindStudy("beta"));
  EXPECT_FALSE(missing.has_value());
}

TYPED_TEST(StoreContractTest, ListStudiesInCreationOrder) {
  const StudyRecord b = this->NewStudy("b");
  const StudyRecord a = this->NewStudy("a");
  AT_ASSERT_OK_AND_ASSIGN(std::vector<StudyRecord> all, this->store_->ListStudies());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, b.id);
  EXPECT_EQ(all[1].id, a.id);
  EXPECT_EQ(all[1].name, "a");
}

TYPED_TEST(StoreContractTest, DuplicateStudyNameIsAlreadyExistsAndCreatesNothing) {
  this->NewStudy("alpha");
  StatusOr<StudyRecord> dup = this->store_->CreateStudy("alpha", "{}");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Status::Code::kAlreadyExists);
  EXPECT_NE(dup.status().message().find("alpha"), std::string::npos) << dup.status().message();
  AT_ASSERT_OK_AND_ASSIGN(std::vector<StudyRecord> all, this->store_->ListStudies());
  EXPECT_EQ(all.size(), 1u);
}

TYPED_TEST(StoreContractTest, EmptyStudyNameIsInvalid) {
  EXPECT_EQ(this->store_->CreateStudy("", "{}").status().code(), Status::Code::kInvalidArgument);
}

TYPED_TEST(StoreContractTest, SetStudyStateRecordsFinishTime) {
  const StudyRecord s = this->NewStudy();
  this->now_ = 2000;
  AT_ASSERT_OK(this->store_->SetStudyState(s.id, StudyState::kCompleted));
  AT_ASSERT_OK_AND_ASSIGN(StudyRecord got, this->store_->GetStudy(s.id));
  EXPECT_EQ(got.state, StudyState::kCompleted);
  EXPECT_EQ(got.finished_at, 2000);
  AT_ASSERT_OK(this->store_->SetStudyState(s.id, StudyState::kRunning));
  AT_ASSERT_OK_AND_ASSIGN(got, this->store_->GetStudy(s.id));
  EXPECT_EQ(got.state, StudyState::kRunning);
  EXPECT_EQ(got.finished_at, 0);
}

TYPED_TEST(StoreContractTest, UnknownIdsAreNotFound) {
  Store& st = *this->store_;
  constexpr std::int64_t kMissing = 987654;
  const auto not_found = Status::Code::kNotFound;
  EXPECT_EQ(st.GetStudy(kMissing).status().code(), not_found);
  EXPECT_EQ(st.SetStudyState(kMissing, StudyState::kStopped).code(), not_found);
  EXPECT_EQ(st.CreateTrial(kMissing, {}, std::nullopt, 0).status().code(), not_found);
  EXPECT_EQ(st.ListTrials(kMissing).status().code(), not_found);
  EXPECT_EQ(st.GetTrial(kMissing).status().code(), not_found);
  EXPECT_EQ(st.SetTrialState(kMissing, TrialState::kFailed, "x").code(), not_found);
  SegmentRecord seg;
  seg.trial_id = kMissing;
  EXPECT_EQ(st.StartSegment(seg).status().code(), not_found);
  EXPECT_EQ(st.AppendMetrics(kMissing, MetricPoint{1, {{"loss", 1}}}).code(), not_found);
  EXPECT_EQ(st.FinishSegment(kMissing, SegmentOutcome{}).code(), not_found);
  EXPECT_EQ(st.ListSegments(kMissing).status().code(), not_found);
  EXPECT_EQ(st.GetMetrics(kMissing).status().code(), not_found);
  EXPECT_EQ(st.ListCheckpoints(kMissing).status().code(), not_found);
  EXPECT_EQ(st.MarkCheckpointDeleted(kMissing).code(), not_found);
  EXPECT_EQ(st.RecoverInterrupted(kMissing).status().code(), not_found);
  EXPECT_EQ(st.ListEvents(kMissing, 0, 10).status().code(), not_found);
  const StudyRecord s = this->NewStudy();
  EXPECT_EQ(st.CreateTrial(s.id, {}, kMissing, 1).status().code(), not_found);  // unknown parent
  AT_ASSERT_OK_AND_ASSIGN(std::vector<TrialRecord> trials, st.ListTrials(s.id));
  EXPECT_TRUE(trials.empty());
}

TYPED_TEST(StoreContractTest, CreateTrialNumbersFromZeroPerStudy) {
  const StudyRecord a = this->NewStudy("a");
  const StudyRecord b = this->NewStudy("b");
  EXPECT_EQ(this->NewTrial(a.id).number, 0);
  EXPECT_EQ(this->NewTrial(a.id).number, 1);
  EXPECT_EQ(this->NewTrial(b.id).number, 0);
  const TrialRecord third = this->NewTrial(a.id);
  EXPECT_EQ(third.number, 2);
  EXPECT_EQ(third.study_id, a.id);
  EXPECT_EQ(third.state, TrialState::kPending);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<TrialRecord> trials, this->store_->ListTrials(a.id));
  ASSERT_EQ(trials.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(trials[i].number, i);
  EXPECT_EQ(trials[2].id, third.id);
}

TYPED_TEST(StoreContractTest, ParamsRoundTripExactlyWithTheirTypes) {
  const StudyRecord s = this->NewStudy();
  const Params params = {
      {"tiny", 1e-300},
      {"huge", -1.7976931348623157e308},
      {"third", 1.0 / 3.0},
      {"whole_float", 2.0},  // a float that happens to be whole stays a float
      {"neg_int", std::int64_t{-42}},
      {"min_int", std::numeric_limits<std::int64_t>::min()},
      {"max_int", std::numeric_limits<std::int64_t>::max()},
      {"yes", true},
      {"no", false},
      {"unicode", std::string("Ελληνικά 日本語 🙂 'quoted' \"dq\"")},
      {"empty", std::string()},
      {"numeric_text", std::string("12")},
  };
  const TrialRecord created = this->NewTrial(s.id, params);
  EXPECT_EQ(created.params, params);
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord got, this->store_->GetTrial(created.id));
  EXPECT_EQ(got.params, params);  // variant equality: same type and same value
  AT_ASSERT_OK_AND_ASSIGN(std::vector<TrialRecord> listed, this->store_->ListTrials(s.id));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].params, params);
}

TYPED_TEST(StoreContractTest, NanAndInfinityParamsRoundTrip) {
  const StudyRecord s = this->NewStudy();
  const double inf = std::numeric_limits<double>::infinity();
  const TrialRecord t = this->NewTrial(s.id, {{"nan", std::nan("")}, {"inf", inf}});
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord got, this->store_->GetTrial(t.id));
  ASSERT_TRUE(std::holds_alternative<double>(got.params["nan"]));
  EXPECT_TRUE(std::isnan(std::get<double>(got.params["nan"])));
  EXPECT_EQ(got.params["inf"], ParamValue(inf));
}

TYPED_TEST(StoreContractTest, TrialKeepsLineageAndTimes) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord parent = this->NewTrial(s.id);
  this->now_ = 1500;
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord child, this->store_->CreateTrial(s.id, {{"x", 0.25}}, parent.id, 3));
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord got, this->store_->GetTrial(child.id));
  EXPECT_EQ(got.parent_id, std::optional<std::int64_t>(parent.id));
  EXPECT_EQ(got.generation, 3);
  EXPECT_EQ(got.created_at, 1500);
  EXPECT_EQ(got.updated_at, 1500);
  EXPECT_FALSE(got.value.has_value());
  EXPECT_EQ(got.step, 0);
  EXPECT_EQ(got.checkpoint, "");
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord root, this->store_->GetTrial(parent.id));
  EXPECT_FALSE(root.parent_id.has_value());
}

TYPED_TEST(StoreContractTest, SetTrialStateKeepsEarlierErrorWhenGivenNone) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  this->now_ = 1100;
  AT_ASSERT_OK(this->store_->SetTrialState(t.id, TrialState::kFailed, "out of memory"));
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord got, this->store_->GetTrial(t.id));
  EXPECT_EQ(got.state, TrialState::kFailed);
  EXPECT_EQ(got.error, "out of memory");
  EXPECT_EQ(got.updated_at, 1100);
  AT_ASSERT_OK(this->store_->SetTrialState(t.id, TrialState::kPruned, ""));
  AT_ASSERT_OK_AND_ASSIGN(got, this->store_->GetTrial(t.id));
  EXPECT_EQ(got.state, TrialState::kPruned);
  EXPECT_EQ(got.error, "out of memory");
}

std::vector<std::string> Kinds(const std::vector<EventRecord>& events) {
  std::vector<std::string> kinds;
  for (const EventRecord& e : events) kinds.push_back(e.kind);
  return kinds;
}

TYPED_TEST(StoreContractTest, EventsAppearInOrderWithIncreasingIds) {
  const StudyRecord s = this->NewStudy();
  const StudyRecord other = this->NewStudy("other");
  this->now_ = 1001;
  const TrialRecord t = this->NewTrial(s.id);
  this->NewTrial(other.id);
  this->now_ = 1002;
  AT_ASSERT_OK(this->store_->SetTrialState(t.id, TrialState::kFailed, "boom"));
  AT_ASSERT_OK(this->store_->SetStudyState(s.id, StudyState::kFailed));
  AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> events, this->store_->ListEvents(s.id, 0, 100));
  EXPECT_EQ(Kinds(events),
            (std::vector<std::string>{"study.created", "trial.created", "trial.failed", "study.failed"}));
  for (std::size_t i = 1; i < events.size(); ++i) EXPECT_GT(events[i].id, events[i - 1].id);
  for (const EventRecord& e : events) EXPECT_EQ(e.study_id, s.id);
  EXPECT_FALSE(events[0].trial_id.has_value());
  EXPECT_EQ(events[1].trial_id, std::optional<std::int64_t>(t.id));
  EXPECT_EQ(events[1].time, 1001);
  EXPECT_EQ(events[2].time, 1002);
  EXPECT_NE(events[2].detail.find("boom"), std::string::npos) << events[2].detail;
}

TYPED_TEST(StoreContractTest, ListEventsPagesWithAfterIdAndLimit) {
  const StudyRecord s = this->NewStudy();
  const StudyRecord other = this->NewStudy("other");
  for (int i = 0; i < 6; ++i) {
    this->NewTrial(s.id);
    this->NewTrial(other.id);  // interleaved events of another study are skipped
  }
  AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> all, this->store_->ListEvents(s.id, 0, 1000));
  ASSERT_EQ(all.size(), 7u);  // study.created + 6 trial.created
  std::vector<EventRecord> paged;
  std::int64_t after = 0;
  for (int page = 0; page < 10; ++page) {
    AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> chunk, this->store_->ListEvents(s.id, after, 3));
    ASSERT_LE(chunk.size(), 3u);
    if (chunk.empty()) break;
    paged.insert(paged.end(), chunk.begin(), chunk.end());
    after = chunk.back().id;
  }
  ASSERT_EQ(paged.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(paged[i].id, all[i].id);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> tail, this->store_->ListEvents(s.id, all[4].id, 100));
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].id, all[5].id);
  EXPECT_EQ(this->store_->ListEvents(s.id, 0, 0).status().code(), Status::Code::kInvalidArgument);
}

TYPED_TEST(StoreContractTest, ConcurrentTrialLifecyclesFromFourThreads) {
  const StudyRecord s = this->NewStudy();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  std::vector<Status> failures(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Store& st = *this->store_;
      for (int i = 0; i < kPerThread; ++i) {
        StatusOr<TrialRecord> trial = st.CreateTrial(s.id, {{"t", std::int64_t{t}}}, std::nullopt, 0);
        if (!trial.ok()) return void(failures[t] = trial.status());
        SegmentRecord seg;
        seg.trial_id = trial->id;
        seg.step_end = 3;
        StatusOr<SegmentRecord> started = st.StartSegment(seg);
        if (!started.ok()) return void(failures[t] = started.status());
        for (int step = 0; step < 3; ++step) {
          Status m = st.AppendMetrics(started->id, MetricPoint{step, {{"loss", 1.0 / (step + 1)}}});
          if (!m.ok()) return void(failures[t] = m);
        }
        SegmentOutcome out;
        out.value = i;
        out.trial_step = 3;
        Status f = st.FinishSegment(started->id, out);
        if (!f.ok()) return void(failures[t] = f);
        if (StatusOr<std::vector<EventRecord>> ev = st.ListEvents(s.id, 0, 5); !ev.ok()) {
          return void(failures[t] = ev.status());
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (const Status& f : failures) EXPECT_TRUE(f.ok()) << f.ToString();
  AT_ASSERT_OK_AND_ASSIGN(std::vector<TrialRecord> trials, this->store_->ListTrials(s.id));
  ASSERT_EQ(trials.size(), static_cast<std::size_t>(kThreads * kPerThread));
  for (std::size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].number, static_cast<int>(i));
    EXPECT_EQ(trials[i].state, TrialState::kCompleted);
    AT_ASSERT_OK_AND_ASSIGN(std::vector<MetricPoint> metrics, this->store_->GetMetrics(trials[i].id));
    EXPECT_EQ(metrics.size(), 3u);
  }
  AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> events, this->store_->ListEvents(s.id, 0, 100000));
  // study.created + per trial: created, segment.started, trial.running, segment.completed, trial.completed.
  EXPECT_EQ(events.size(), 1u + 5u * kThreads * kPerThread);
}

}  // namespace
}  // namespace autotune::db_testing
