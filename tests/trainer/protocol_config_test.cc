// The trial protocol's inputs: AUTOTUNE_PARAMS and the other AUTOTUNE_*
// variables, and the checks that turn bad input into one clear error.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "trainer/train/config.h"

namespace autotune::trainer {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ProtocolParams, JsonSetsParamsAndAcceptsIntegralNumbersForIntegers) {
  TrainParams p;
  ASSERT_TRUE(ApplyParamsJson(R"({"lr": 0.05, "momentum": 0.8, "weight_decay": 1e-4, "loss": "cosface",
                                  "margin": 0.3, "scale": 48, "batch_size": 128.0, "embedding_size": 64,
                                  "warmup_steps": 5, "sample_ratio": 0.5, "optimizer": "adamw",
                                  "schedule": "step", "eval_interval": 10})",
                              &p)
                  .ok());
  EXPECT_DOUBLE_EQ(p.lr, 0.05);
  EXPECT_DOUBLE_EQ(p.momentum, 0.8);
  EXPECT_DOUBLE_EQ(p.weight_decay, 1e-4);
  EXPECT_EQ(p.loss, "cosface");
  EXPECT_DOUBLE_EQ(*p.margin, 0.3);
  EXPECT_DOUBLE_EQ(p.scale, 48);
  EXPECT_EQ(p.batch_size, 128);
  EXPECT_EQ(p.embedding_size, 64);
  EXPECT_EQ(p.warmup_steps, 5);
  EXPECT_DOUBLE_EQ(p.sample_ratio, 0.5);
  EXPECT_EQ(p.optimizer, "adamw");
  EXPECT_EQ(p.schedule, "step");
  EXPECT_EQ(p.eval_interval, 10);
  // Untouched params keep their defaults.
  EXPECT_EQ(p.width, TrainParams{}.width);
}

TEST(ProtocolParams, UnknownParamsAndWrongTypesAreRejectedByName) {
  TrainParams p;
  const struct {
    const char* json;
    const char* named;
  } cases[] = {
      {R"({"learning_rate": 0.1})", "learning_rate"},
      {R"({"lr": "fast"})", "lr"},
      {R"({"batch_size": 12.5})", "batch_size"},
      {R"({"loss": 3})", "loss"},
      {R"({"margin": null})", "margin"},
      {R"([1, 2])", "AUTOTUNE_PARAMS"},
      {R"({"lr": )", "AUTOTUNE_PARAMS"},
  };
  for (const auto& c : cases) {
    const Status s = ApplyParamsJson(c.json, &p);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(s.message().find(c.named), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << "one line: " << s.message();
  }
}

TEST(ProtocolParams, EveryParamRoundTripsThroughJsonAndNamesAreUnique) {
  std::set<std::string> names;
  for (const ParamInfo& info : ParamTable()) EXPECT_TRUE(names.insert(info.name).second) << info.name;
  for (const char* required :
       {"lr", "momentum", "weight_decay", "loss", "margin", "m1", "m3", "scale", "batch_size",
        "embedding_size", "warmup_steps", "sample_ratio", "optimizer", "schedule", "eval_interval"}) {
    EXPECT_TRUE(names.count(required)) << required;
  }
  TrainParams p;
  p.lr = 0.3;
  p.m1 = 1.2;
  p.lr_milestones = "5,9";
  TrainParams back;
  ASSERT_TRUE(ApplyParamsJson(ParamsToJson(p).dump(), &back).ok());
  EXPECT_EQ(ParamsToJson(back), ParamsToJson(p));
  EXPECT_FALSE(ParamsToJson(TrainParams{}).contains("margin"));  // unset optionals are left out
}

TEST(ProtocolEnv, VariablesSetTheSegmentAndParamsOverrideFlags) {
  TrainConfig c;
  c.params.lr = 0.7;  // as if given by --lr
  c.params.scale = 20;
  ASSERT_TRUE(ApplyProtocolEnv(Env({{"AUTOTUNE_PARAMS", R"({"lr": 0.01})"},
                                    {"AUTOTUNE_STEP_BEGIN", "100"},
                                    {"AUTOTUNE_STEP_END", "150"},
                                    {"AUTOTUNE_RESUME_FROM", "/ck/a"},
                                    {"AUTOTUNE_CHECKPOINT_DIR", "/ck/b"},
                                    {"AUTOTUNE_SEED", "42"},
                                    {"AUTOTUNE_STUDY", "s"}}),
                               &c)
                  .ok());
  EXPECT_DOUBLE_EQ(c.params.lr, 0.01);
  EXPECT_DOUBLE_EQ(c.params.scale, 20);
  EXPECT_EQ(c.run.step_begin, 100);
  EXPECT_EQ(c.run.step_end, 150);
  EXPECT_EQ(c.run.resume_from, "/ck/a");
  EXPECT_EQ(c.run.checkpoint_dir, "/ck/b");
  EXPECT_EQ(c.run.seed, 42u);

  TrainConfig standalone;
  ASSERT_TRUE(ApplyProtocolEnv(Env({}), &standalone).ok());
  EXPECT_EQ(standalone.run.step_begin, 0);
  EXPECT_EQ(standalone.run.step_end, RunConfig{}.step_end);
  EXPECT_TRUE(standalone.run.resume_from.empty());
  EXPECT_TRUE(ValidateConfig(standalone, 1).ok());

  for (const char* var : {"AUTOTUNE_STEP_BEGIN", "AUTOTUNE_STEP_END", "AUTOTUNE_SEED"}) {
    TrainConfig bad;
    const Status s = ApplyProtocolEnv(Env({{var, "12x"}}), &bad);
    ASSERT_FALSE(s.ok()) << var;
    EXPECT_NE(s.message().find(var), std::string::npos) << s.message();
  }
}

TEST(ProtocolValidation, OutOfRangeValuesNameTheParam) {
  const struct {
    const char* json;
    int world;
    const char* named;
  } cases[] = {
      {R"({"lr": -0.1})", 1, "lr"},
      {R"({"lr": 0})", 1, "lr"},
      {R"({"momentum": 1.0})", 1, "momentum"},
      {R"({"weight_decay": -1})", 1, "weight_decay"},
      {R"({"loss": "triplet"})", 1, "loss"},
      {R"({"scale": 0})", 1, "scale"},
      {R"({"batch_size": 30})", 4, "batch_size"},
      {R"({"batch_size": 0})", 1, "batch_size"},
      {R"({"sample_ratio": 0})", 1, "sample_ratio"},
      {R"({"sample_ratio": 1.5})", 1, "sample_ratio"},
      {R"({"optimizer": "lbfgs"})", 1, "optimizer"},
      {R"({"schedule": "linear"})", 1, "schedule"},
      {R"({"warmup_steps": -2})", 1, "warmup_steps"},
      {R"({"embedding_size": 1})", 1, "embedding_size"},
      {R"({"lr_milestones": "20,10"})", 1, "lr_milestones"},
      {R"({"margin": 0.2, "m2": 0.3})", 1, "margin"},
      {R"({"backbone": "vit"})", 1, "backbone"},
  };
  for (const auto& c : cases) {
    TrainConfig config;
    ASSERT_TRUE(ApplyParamsJson(c.json, &config.params).ok()) << c.json;
    const Status s = ValidateConfig(config, c.world);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_NE(s.message().find(c.named), std::string::npos) << c.json << " -> " << s.message();
  }
  TrainConfig empty_range;
  empty_range.run.step_begin = 10;
  empty_range.run.step_end = 10;
  EXPECT_FALSE(ValidateConfig(empty_range, 1).ok());
  TrainConfig plsc_without_dir;
  plsc_without_dir.data.dataset = "plsc";
  EXPECT_NE(ValidateConfig(plsc_without_dir, 1).message().find("--data-dir"), std::string::npos);
  TrainConfig divisible;
  divisible.params.batch_size = 32;
  EXPECT_TRUE(ValidateConfig(divisible, 4).ok());
}

TEST(ProtocolValidation, MarginLandsInM2ForArcFaceAndM3ForCosFace) {
  TrainParams p;
  p.margin = 0.4;
  auto arc = ResolveMargins(p);
  ASSERT_TRUE(arc.ok());
  EXPECT_DOUBLE_EQ(arc->m1, 1.0);
  EXPECT_DOUBLE_EQ(arc->m2, 0.4);
  EXPECT_DOUBLE_EQ(arc->m3, 0.0);
  p.loss = "cosface";
  auto cos = ResolveMargins(p);
  EXPECT_DOUBLE_EQ(cos->m2, 0.0);
  EXPECT_DOUBLE_EQ(cos->m3, 0.4);
  TrainParams defaults;
  EXPECT_DOUBLE_EQ(ResolveMargins(defaults)->m2, 0.5);
  defaults.loss = "cosface";
  EXPECT_DOUBLE_EQ(ResolveMargins(defaults)->m3, 0.35);
  TrainParams combined;
  combined.m1 = 1.0;
  combined.m2 = 0.3;
  combined.m3 = 0.2;
  auto c = ResolveMargins(combined);
  EXPECT_DOUBLE_EQ(c->m2, 0.3);
  EXPECT_DOUBLE_EQ(c->m3, 0.2);
  EXPECT_EQ(*ParseMilestones("3,7,11"), (std::vector<std::int64_t>{3, 7, 11}));
  EXPECT_TRUE(ParseMilestones("")->empty());
}

}  // namespace
}  // namespace autotune::trainer
