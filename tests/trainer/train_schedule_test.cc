// Learning-rate schedules: warmup, cosine, step and constant values.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "trainer/train/schedule.h"

namespace autotune::trainer {
namespace {

TEST(Schedule, WarmupRisesLinearlyToTheBaseRate) {
  ScheduleOptions o{ScheduleKind::kConstant, 0.4, 4, 100};
  EXPECT_DOUBLE_EQ(LearningRate(o, 0), 0.1);
  EXPECT_DOUBLE_EQ(LearningRate(o, 1), 0.2);
  EXPECT_DOUBLE_EQ(LearningRate(o, 3), 0.4);
  EXPECT_DOUBLE_EQ(LearningRate(o, 4), 0.4);
  EXPECT_DOUBLE_EQ(LearningRate(o, 1000), 0.4);
}

TEST(Schedule, CosineFallsFromBaseToTheFloorOverTheHorizon) {
  ScheduleOptions o{ScheduleKind::kCosine, 1.0, 10, 110};
  EXPECT_DOUBLE_EQ(LearningRate(o, 10), 1.0);
  EXPECT_NEAR(LearningRate(o, 60), 0.5, 1e-12);
  EXPECT_NEAR(LearningRate(o, 35), 0.5 * (1 + std::cos(std::numbers::pi / 4)), 1e-12);
  EXPECT_NEAR(LearningRate(o, 110), 0.0, 1e-12);
  EXPECT_NEAR(LearningRate(o, 500), 0.0, 1e-12);  // stays at the floor past the horizon
  o.min_lr_ratio = 0.1;
  EXPECT_NEAR(LearningRate(o, 60), 0.55, 1e-12);
  EXPECT_NEAR(LearningRate(o, 110), 0.1, 1e-12);
}

TEST(Schedule, StepDecaysAtMilestonesOrAtHalfAndThreeQuarters) {
  ScheduleOptions o{ScheduleKind::kStep, 1.0, 0, 100};
  EXPECT_DOUBLE_EQ(LearningRate(o, 49), 1.0);
  EXPECT_NEAR(LearningRate(o, 50), 0.1, 1e-15);
  EXPECT_NEAR(LearningRate(o, 74), 0.1, 1e-15);
  EXPECT_NEAR(LearningRate(o, 75), 0.01, 1e-15);
  o.milestones = {10, 20, 30};
  o.decay_factor = 0.5;
  EXPECT_DOUBLE_EQ(LearningRate(o, 9), 1.0);
  EXPECT_DOUBLE_EQ(LearningRate(o, 10), 0.5);
  EXPECT_DOUBLE_EQ(LearningRate(o, 30), 0.125);
}

TEST(Schedule, KindsParseByNameAndUnknownNamesAreErrors) {
  EXPECT_EQ(*ParseScheduleKind("cosine"), ScheduleKind::kCosine);
  EXPECT_EQ(*ParseScheduleKind("step"), ScheduleKind::kStep);
  EXPECT_EQ(*ParseScheduleKind("constant"), ScheduleKind::kConstant);
  auto bad = ParseScheduleKind("linear");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("linear"), std::string::npos);
}

}  // namespace
}  // namespace autotune::trainer
