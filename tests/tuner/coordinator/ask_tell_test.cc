// Ask/tell through the study service: trials from the searcher, tells that
// complete, report or fail them, the budget, leases that run out, stop and
// restart.
#include "tuner/coordinator/ask_tell.h"

#include <gtest/gtest.h>

#include "db/memory_store.h"
#include "tests/tuner/coordinator/fake_executor.h"
#include "tuner/coordinator/study_service.h"

namespace autotune {
namespace {

using testing::FakeExecutor;
using testing::Reports;

class AskTellTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions so;
    so.clock = [this] { return clock_; };
    store_ = NewMemoryStore(so);
  }

  // A study without a trial section.
  ParsedSpec Parse(const std::string& name, int max_trials, const std::string& extra = "",
                   const std::string& searcher = R"({"algorithm": "random"})") {
    std::string text = R"({"name": ")" + name + R"(", "space": {"x": {"type": "float", "low": 0, "high": 1}},
      "searcher": )" + searcher +
                       R"(, "budget": {"max_trials": )" + std::to_string(max_trials) + extra +
                       (extra.find("max_parallel") == std::string::npos ? R"(, "max_parallel": 4)" : "") +
                       "}}";
    auto parsed = ParseStudySpec(text, "/");
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    return *parsed;
  }

  // A service on io_, serving `spec`; the study's id.
  std::int64_t Serve(const ParsedSpec& spec) {
    service_ = std::make_unique<StudyService>(io_, *store_, exec_, Options());
    auto opened = service_->Open(spec);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    Status s = service_->Start(opened->record.id, [this](const Status& st, StudyState state) {
      done_status_ = st;
      done_state_ = state;
      ++done_calls_;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return opened->record.id;
  }

  ServiceOptions Options() {
    ServiceOptions o;
    o.owner = "pid 1 on test";
    o.wall_now = [this] { return clock_; };
    return o;
  }

  TellRequest Value(double v) {
    TellRequest t;
    t.kind = TellRequest::Kind::kComplete;
    t.value = v;
    return t;
  }

  void Drain() {
    io_.restart();
    io_.poll();
  }

  double clock_ = 1000;
  std::unique_ptr<Store> store_;
  boost::asio::io_context io_;
  FakeExecutor exec_{io_, 1, [](const SegmentTask& t) { return Reports(t, 1.0); }};
  std::unique_ptr<StudyService> service_;
  Status done_status_;
  StudyState done_state_ = StudyState::kRunning;
  int done_calls_ = 0;
};

TEST_F(AskTellTest, AsksGiveRunningTrialsAndTheStudyCompletesWhenItsBudgetIsTold) {
  const std::int64_t id = Serve(Parse("at", 3));
  std::vector<TrialRecord> asked;
  for (int i = 0; i < 3; ++i) {
    auto t = service_->Ask(id);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->state, TrialState::kRunning);
    EXPECT_EQ(t->number, i);
    ASSERT_TRUE(t->params.count("x"));
    asked.push_back(*t);
  }
  // Beyond the budget: refused while the three are in flight.
  auto beyond = service_->Ask(id);
  EXPECT_EQ(beyond.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(beyond.status().message().find("max_trials"), std::string::npos) << beyond.status().message();

  for (int i = 0; i < 3; ++i) {
    auto told = service_->Tell(asked[i].id, Value(0.5 - 0.1 * i));
    ASSERT_TRUE(told.ok()) << told.status().ToString();
    EXPECT_EQ(told->state, TrialState::kCompleted);
    EXPECT_EQ(told->value, 0.5 - 0.1 * i);
  }
  Drain();
  EXPECT_EQ(done_calls_, 1);
  EXPECT_TRUE(done_status_.ok());
  EXPECT_EQ(done_state_, StudyState::kCompleted);
  EXPECT_FALSE(service_->IsRunning(id));
  EXPECT_EQ(store_->GetStudy(id)->state, StudyState::kCompleted);
  auto best = *store_->BestTrial(id, Mode::kMin);
  ASSERT_TRUE(best);
  EXPECT_EQ(best->id, asked[2].id);
  EXPECT_EQ(best->step, 1);
  // The value is the objective metric at the trial's last step.
  auto metrics = *store_->GetMetrics(asked[2].id);
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics[0].step, 1);
  EXPECT_DOUBLE_EQ(metrics[0].values.at("value"), 0.3);
  // Asks and tells after the end say why.
  EXPECT_EQ(service_->Ask(id).status().code(), Status::Code::kFailedPrecondition);
  auto late = service_->Tell(asked[0].id, Value(1));
  EXPECT_EQ(late.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(late.status().message().find("completed"), std::string::npos) << late.status().message();
}

TEST_F(AskTellTest, AtMostMaxParallelAskedTrialsAreOutAtOnce) {
  const std::int64_t id = Serve(Parse("at", 10, R"(, "max_parallel": 2)"));
  auto a = *service_->Ask(id);
  ASSERT_TRUE(service_->Ask(id).ok());
  auto third = service_->Ask(id);
  EXPECT_EQ(third.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(third.status().message().find("max_parallel"), std::string::npos) << third.status().message();
  ASSERT_TRUE(service_->Tell(a.id, Value(1)).ok());
  EXPECT_TRUE(service_->Ask(id).ok());
  EXPECT_EQ(store_->ListTrials(id)->size(), 3u);  // the refused ask created nothing
}

TEST_F(AskTellTest, WhatAutoChoseIsRecordedForShow) {
  // One float, budget 10: auto runs gp for 5 trials, then hazero.
  const std::int64_t id = Serve(Parse("auto", 10, R"(, "max_parallel": 1)", R"({"algorithm": "auto"})"));
  auto first = *service_->Ask(id);
  EXPECT_EQ(store_->StudyAttributes(id)->at("searcher"),
            "auto: gp (1 float, budget 10, 1 at a time, hazero from trial 5)");
  ASSERT_TRUE(service_->Tell(first.id, Value(1)).ok());
  for (int i = 1; i < 6; ++i) {
    auto t = *service_->Ask(id);
    ASSERT_TRUE(service_->Tell(t.id, Value(1.0 / (i + 1))).ok());
  }
  EXPECT_EQ(store_->StudyAttributes(id)->at("searcher"),
            "auto: hazero (1 float, budget 10, 1 at a time: from trial 5 on, after gp)");
}

TEST_F(AskTellTest, TellOnAFinishedTrialIsRefusedAndChangesNothing) {
  const std::int64_t id = Serve(Parse("at", 5));
  auto t = *service_->Ask(id);
  ASSERT_TRUE(service_->Tell(t.id, Value(2)).ok());
  auto again = service_->Tell(t.id, Value(1));
  EXPECT_EQ(again.status().code(), Status::Code::kFailedPrecondition);
  TellRequest fail;
  fail.kind = TellRequest::Kind::kFail;
  EXPECT_EQ(service_->Tell(t.id, fail).status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(store_->GetTrial(t.id)->value, 2.0);
  EXPECT_EQ(store_->GetTrial(t.id)->state, TrialState::kCompleted);
  EXPECT_EQ(service_->Tell(987654, Value(1)).status().code(), Status::Code::kNotFound);
}

TEST_F(AskTellTest, ReportsAreStoredAndTheValueLandsOnTheLastReportedStep) {
  const std::int64_t id = Serve(Parse("at", 2));
  auto t = *service_->Ask(id);
  for (std::int64_t step : {1, 2, 3}) {
    TellRequest r;
    r.kind = TellRequest::Kind::kReport;
    r.step = step;
    r.metrics = {{"loss", 1.0 / step}, {"value", 10.0 - step}};
    auto told = service_->Tell(t.id, r);
    ASSERT_TRUE(told.ok()) << told.status().ToString();
    EXPECT_EQ(told->state, TrialState::kRunning);
  }
  TellRequest no_step;
  no_step.kind = TellRequest::Kind::kReport;
  no_step.metrics = {{"loss", 1}};
  EXPECT_EQ(service_->Tell(t.id, no_step).status().field(), "step");
  TellRequest empty;
  empty.kind = TellRequest::Kind::kReport;
  empty.step = 4;
  EXPECT_EQ(service_->Tell(t.id, empty).status().field(), "metrics");
  ASSERT_TRUE(service_->Tell(t.id, Value(6.5)).ok());
  const TrialRecord after = *store_->GetTrial(t.id);
  EXPECT_EQ(after.step, 3);
  EXPECT_EQ(after.value, 6.5);
  auto metrics = *store_->GetMetrics(t.id);
  ASSERT_EQ(metrics.size(), 3u);
  EXPECT_DOUBLE_EQ(metrics[2].values.at("value"), 6.5);  // the told value replaced the report of step 3
  EXPECT_DOUBLE_EQ(metrics[2].values.at("loss"), 1.0 / 3);
}

TEST_F(AskTellTest, FailedTellsFailTrialsAndAStudyWithoutACompletedTrialFails) {
  const std::int64_t id = Serve(Parse("at", 2));
  for (int i = 0; i < 2; ++i) {
    auto t = *service_->Ask(id);
    TellRequest fail;
    fail.kind = TellRequest::Kind::kFail;
    if (i == 1) fail.error = "out of memory";
    auto told = service_->Tell(t.id, fail);
    ASSERT_TRUE(told.ok()) << told.status().ToString();
    EXPECT_EQ(told->state, TrialState::kFailed);
    EXPECT_EQ(told->error, i == 0 ? "failed by the worker" : "out of memory");
  }
  Drain();
  EXPECT_EQ(done_state_, StudyState::kFailed);
  EXPECT_EQ(store_->GetStudy(id)->state, StudyState::kFailed);
}

TEST_F(AskTellTest, ATrialNotToldWithinItsLeaseIsFailedWithTheReasonAndFreesTheSearcher) {
  // hazero hands out one generation (2 trials) and then waits for it.
  const std::int64_t id = Serve(Parse("at", 4, R"(, "ask_lease_s": 30)",
                                      R"({"algorithm": "hazero", "popsize": 2, "surrogate": false})"));
  auto a = *service_->Ask(id);
  auto b = *service_->Ask(id);
  EXPECT_EQ(service_->Ask(id).status().code(), Status::Code::kUnavailable);
  ASSERT_TRUE(service_->Tell(a.id, Value(1)).ok());
  EXPECT_EQ(service_->Ask(id).status().code(), Status::Code::kUnavailable);
  clock_ += 31;  // b's lease ran out (a jump of the clock: the timer is not due yet, the next call sees it)
  auto late = service_->Tell(b.id, Value(0));
  EXPECT_EQ(late.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(late.status().message().find("ask_lease_s"), std::string::npos) << late.status().message();
  const TrialRecord released = *store_->GetTrial(b.id);
  EXPECT_EQ(released.state, TrialState::kFailed);
  EXPECT_NE(released.error.find("ask_lease_s"), std::string::npos) << released.error;
  // The generation is complete (b counts as its worst): the next one comes.
  auto c = service_->Ask(id);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->number, 2);
}

TEST_F(AskTellTest, AskedTrialsSurviveARestartAndKeepTheirLeaseFromTheStoredStart) {
  const ParsedSpec spec = Parse("at", 3, R"(, "ask_lease_s": 100)");
  const std::int64_t id = Serve(spec);
  auto a = *service_->Ask(id);
  auto b = *service_->Ask(id);
  ASSERT_TRUE(service_->Tell(a.id, Value(3)).ok());
  bool interrupted = false;
  service_->InterruptAll([&] { interrupted = true; });
  Drain();
  ASSERT_TRUE(interrupted);
  EXPECT_EQ(done_state_, StudyState::kRunning);
  EXPECT_EQ(store_->GetTrial(b.id)->state, TrialState::kRunning);  // nothing written on shutdown

  clock_ += 60;
  Serve(spec);
  EXPECT_EQ(store_->GetTrial(b.id)->state, TrialState::kRunning);
  TellRequest r;
  r.kind = TellRequest::Kind::kReport;
  r.step = 7;
  r.metrics = {{"value", 2}};
  ASSERT_TRUE(service_->Tell(b.id, r).ok());
  clock_ += 41;  // 101 s after b's ask: released, though this service saw it for 41 s only
  ASSERT_TRUE(service_->Ask(id).ok());  // (the third trial)
  EXPECT_EQ(store_->GetTrial(b.id)->state, TrialState::kFailed);
}

TEST_F(AskTellTest, StopHandsAskedTrialsBackAndAResumedStudyAsksThemFirst) {
  const ParsedSpec spec = Parse("at", 3);
  const std::int64_t id = Serve(spec);
  auto a = *service_->Ask(id);
  ASSERT_TRUE(service_->Stop(id).ok());
  Drain();
  EXPECT_EQ(done_state_, StudyState::kStopped);
  EXPECT_EQ(store_->GetStudy(id)->state, StudyState::kStopped);
  EXPECT_EQ(store_->GetTrial(a.id)->state, TrialState::kPending);
  auto refused = service_->Ask(id);
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("stopped"), std::string::npos) << refused.status().message();
  EXPECT_EQ(service_->Tell(a.id, Value(1)).status().code(), Status::Code::kFailedPrecondition);

  Serve(spec);  // submitted again
  auto again = service_->Ask(id);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->id, a.id);
  EXPECT_EQ(again->params, a.params);
  EXPECT_EQ(store_->ListSegments(a.id)->size(), 2u);  // the cancelled one and this one
}

TEST_F(AskTellTest, AnExhaustedGridEndsTheStudyOnceItsTrialsAreTold) {
  const std::int64_t id = Serve(Parse("at", 10, "", R"({"algorithm": "grid", "grid_points": 2})"));
  auto a = *service_->Ask(id);
  auto b = *service_->Ask(id);
  auto c = service_->Ask(id);
  EXPECT_EQ(c.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(c.status().message().find("no further suggestions"), std::string::npos) << c.status().message();
  ASSERT_TRUE(service_->Tell(a.id, Value(1)).ok());
  ASSERT_TRUE(service_->Tell(b.id, Value(2)).ok());
  Drain();
  EXPECT_EQ(done_state_, StudyState::kCompleted);
}

TEST_F(AskTellTest, AnAskTellStudyWithASchedulerIsRefusedBeforeAnythingIsWritten) {
  // A scheduler schedules segments of trial programs; asked trials have none to schedule.
  service_ = std::make_unique<StudyService>(io_, *store_, exec_, Options());
  auto spec = ParseStudySpec(R"({"name": "at", "space": {"x": {"type": "float", "low": 0, "high": 1}},
      "scheduler": {"algorithm": "asha"}})",
                             "/");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto opened = service_->Open(*spec);
  EXPECT_EQ(opened.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(opened.status().field(), "scheduler.algorithm");
  EXPECT_TRUE(store_->ListStudies()->empty());
}

TEST_F(AskTellTest, StudiesWithTrialProgramsAreNotAskedAndAskTellStudiesAreNotRun) {
  service_ = std::make_unique<StudyService>(io_, *store_, exec_, Options());
  auto run_spec = ParseStudySpec(R"({"name": "runs", "space": {"x": {"type": "float", "low": 0, "high": 1}},
      "trial": {"command": ["/bin/true"]}, "budget": {"max_trials": 50}})",
                                 "/");
  ASSERT_TRUE(run_spec.ok());
  auto runs = *service_->Open(*run_spec);
  auto at = *service_->Open(Parse("at", 2));
  EXPECT_EQ(service_->Ask(runs.record.id).status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(service_->Serve(runs.record.id, nullptr).code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(service_->Run(at.record.id, nullptr).code(), Status::Code::kFailedPrecondition);
  auto not_served = service_->Ask(at.record.id);
  EXPECT_EQ(not_served.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(not_served.status().message().find("not served"), std::string::npos);
  EXPECT_EQ(service_->Ask(424242).status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace autotune
