// The study service: several studies on one executor, opening (same spec,
// different spec, defaults), one owner per study, shutdown and resume.
#include "tuner/coordinator/study_service.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/tuner/coordinator/fake_executor.h"

namespace autotune {
namespace {

using testing::FakeExecutor;
using testing::FakeRun;
using testing::Reports;

class StudyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("service-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    store_ = NewMemoryStore();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  ParsedSpec Parse(const std::string& name, const std::string& extra = "", int max_trials = 6, int parallel = 2) {
    std::string text = R"({"name": ")" + name + R"(", "space": {"x": {"type": "float", "low": 0, "high": 1}},
      "trial": {"command": ["/bin/true"]},
      "budget": {"max_trials": )" + std::to_string(max_trials) +
                       R"(, "max_parallel": )" + std::to_string(parallel) + "}" + extra + "}";
    auto parsed = ParseStudySpec(text, "/");
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    return *parsed;
  }
  ServiceOptions Options() {
    ServiceOptions o;
    o.checkpoint_root = root_.string();
    o.owner = "pid 1 on test";
    return o;
  }

  std::filesystem::path root_;
  std::unique_ptr<Store> store_;
};

TEST_F(StudyServiceTest, TwoStudiesShareThreeSlotsAndEachKeepsItsOwnLimit) {
  boost::asio::io_context io;
  FakeExecutor exec(io, 3, [](const SegmentTask& t) { return Reports(t, 1.0); });
  StudyService service(io, *store_, exec, Options());
  int done = 0;
  for (const std::string name : {"a", "b"}) {
    auto opened = service.Open(Parse(name));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    ASSERT_TRUE(service
                    .Run(opened->record.id,
                         [&](const Status& s, StudyState state) {
                           EXPECT_TRUE(s.ok()) << s.ToString();
                           EXPECT_EQ(state, StudyState::kCompleted);
                           ++done;
                         })
                    .ok());
  }
  io.run();
  EXPECT_EQ(done, 2);
  EXPECT_LE(exec.max_by_study["a"], 2);
  EXPECT_LE(exec.max_by_study["b"], 2);
  EXPECT_EQ(exec.max_seen, 3);  // the third slot was shared
  EXPECT_EQ(exec.launched.size(), 12u);
  for (const std::string name : {"a", "b"}) {
    auto counts = *store_->CountTrials((*store_->FindStudy(name))->id);
    EXPECT_EQ(counts[static_cast<int>(TrialState::kCompleted)], 6) << name;
  }
}

TEST_F(StudyServiceTest, OpenFindsTheSameSpecWithDefaultsWrittenOutAndRefusesADifferentOne) {
  boost::asio::io_context io;
  FakeExecutor exec(io, 1, [](const SegmentTask& t) { return Reports(t, 1.0); });
  StudyService service(io, *store_, exec, Options());
  auto first = service.Open(Parse("s"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->created);
  // The same study, with every default written out.
  auto explicit_defaults = ParseStudySpec(
      R"({"name": "s", "objective": {"metric": "value", "mode": "min"},
          "space": {"x": {"type": "float", "low": 0, "high": 1, "log": false}},
          "searcher": {"algorithm": "auto"}, "scheduler": {"algorithm": "none"},
          "trial": {"command": ["/bin/true"], "max_steps": 1, "retries": 0, "gpus": 0, "timeout_s": 0, "env": {}},
          "budget": {"max_trials": 6, "max_parallel": 2, "max_time_s": 0}, "seed": 0})",
      "/");
  ASSERT_TRUE(explicit_defaults.ok()) << explicit_defaults.status().ToString();
  auto again = service.Open(*explicit_defaults);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->record.id, first->record.id);
  auto different = service.Open(Parse("s", "", 7));
  ASSERT_FALSE(different.ok());
  EXPECT_EQ(different.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(different.status().message().find("different spec"), std::string::npos);
}

TEST_F(StudyServiceTest, AStudyStoredByAnOlderAutotuneIsRecognised) {
  // Older stores kept the spec as written (with the command resolved).
  const std::string old = R"({"budget":{"max_parallel":2,"max_trials":6},"name":"s",)"
                          R"("space":{"x":{"high":1,"low":0,"type":"float"}},"trial":{"command":["/bin/true"]}})";
  ASSERT_TRUE(store_->CreateStudy("s", old).ok());
  boost::asio::io_context io;
  FakeExecutor exec(io, 1, [](const SegmentTask& t) { return Reports(t, 1.0); });
  StudyService service(io, *store_, exec, Options());
  auto opened = service.Open(Parse("s"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_FALSE(opened->created);
}

TEST_F(StudyServiceTest, BadSchedulerOptionsAreRefusedBeforeAnythingIsWritten) {
  boost::asio::io_context io;
  FakeExecutor exec(io, 1, [](const SegmentTask& t) { return Reports(t, 1.0); });
  StudyService service(io, *store_, exec, Options());
  auto opened = service.Open(Parse(
      "s", R"(, "trial": {"command": ["/bin/true"], "max_steps": 9},
              "scheduler": {"algorithm": "asha", "reduction_factor": 1})"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().field(), "scheduler.reduction_factor");
  auto gpus = service.Open(Parse("g", R"(, "trial": {"command": ["/bin/true"], "gpus": 1})"));
  ASSERT_FALSE(gpus.ok());
  EXPECT_EQ(gpus.status().field(), "trial.gpus");
  EXPECT_TRUE(store_->ListStudies()->empty());
}

TEST_F(StudyServiceTest, ASecondOwnerOfARunningStudyIsRefusedNamingTheFirst) {
  boost::asio::io_context io;
  FakeExecutor exec(io, 2, [](const SegmentTask& t) {
    FakeRun r = Reports(t, 1.0);
    r.hold = true;
    return r;
  });
  StudyService first(io, *store_, exec, Options());
  auto opened = first.Open(Parse("s"));
  ASSERT_TRUE(first.Run(opened->record.id, nullptr).ok());
  ServiceOptions other = Options();
  other.owner = "pid 2 on test";
  StudyService second(io, *store_, exec, other);
  Status refused = second.Run(opened->record.id, nullptr);
  EXPECT_EQ(refused.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(refused.message().find("pid 1 on test"), std::string::npos) << refused.message();
  EXPECT_EQ(first.Run(opened->record.id, nullptr).code(), Status::Code::kFailedPrecondition);
}

TEST_F(StudyServiceTest, InterruptAllLeavesStudiesRunningAndAStartResumesThem) {
  std::int64_t id = 0;
  {
    boost::asio::io_context io;
    FakeExecutor exec(io, 2, [](const SegmentTask& t) {
      FakeRun r = Reports(t, 1.0);
      r.hold = true;
      return r;
    });
    StudyService service(io, *store_, exec, Options());
    auto opened = service.Open(Parse("s", "", 4));
    id = opened->record.id;
    StudyState state = StudyState::kCompleted;
    ASSERT_TRUE(service.Run(id, [&](const Status& s, StudyState st) {
                          EXPECT_TRUE(s.ok()) << s.ToString();
                          state = st;
                        })
                    .ok());
    bool all_done = false;
    boost::asio::post(io, [&] { service.InterruptAll([&] { all_done = true; }); });
    io.run();
    EXPECT_TRUE(all_done);
    EXPECT_EQ(state, StudyState::kRunning);
    EXPECT_FALSE(service.IsRunning(id));
  }
  EXPECT_EQ((*store_->GetStudy(id)).state, StudyState::kRunning);
  const std::vector<TrialRecord> trials = *store_->ListTrials(id);
  for (const auto& t : trials) EXPECT_EQ(t.state, TrialState::kPending);
  boost::asio::io_context io;
  FakeExecutor exec(io, 2, [](const SegmentTask& t) { return Reports(t, 1.0); });
  StudyService service(io, *store_, exec, Options());
  StudyState state = StudyState::kFailed;
  ASSERT_TRUE(service.Run(id, [&](const Status&, StudyState st) { state = st; }).ok());
  io.run();
  EXPECT_EQ(state, StudyState::kCompleted);
  EXPECT_EQ(store_->ListTrials(id)->size(), 4u);
}

}  // namespace
}  // namespace autotune
