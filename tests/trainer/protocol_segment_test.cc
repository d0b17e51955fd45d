// The trial protocol end to end: the real autotune-trainer binary on tiny
// synthetic data, at world 1 and 2 — AUTOTUNE lines, checkpoints with
// COMPLETE, resuming K + K steps == 2K steps, failures and bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "trainer/data/base64.h"
#include "trainer/data/jpeg.h"

namespace {

namespace fs = std::filesystem;

#ifdef AUTOTUNE_TRAINER_BIN
constexpr char kBinary[] = AUTOTUNE_TRAINER_BIN;
#else
constexpr char kBinary[] = "";
#endif

// Small and fast: an MLP on 8-d synthetic vectors of 30 classes.
constexpr char kTiny[] =
    " --dataset synthetic --num-classes 30 --input-dim 8 --width 4 --embedding-size 8 --batch-size 16"
    " --val-size 64 --threads 1 --log-interval 1";

struct Result {
  int code = -1;
  std::string out;
  std::string err;
  std::vector<nlohmann::json> metrics;  // the AUTOTUNE lines, parsed
};

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(kBinary).empty() || !fs::exists(kBinary)) GTEST_SKIP() << "autotune-trainer is not built";
    dir_ = fs::temp_directory_path() / ("protocol_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs `env VARS autotune-trainer ARGS` (values are single-quoted).
  Result Run(const std::vector<std::pair<std::string, std::string>>& env, const std::string& args) {
    std::string cmd = "env -u AUTOTUNE_TRAINER_RANK";
    for (const auto& [k, v] : env) cmd += " " + k + "='" + v + "'";
    cmd += " " + std::string(kBinary) + " " + args + " > " + Path("out") + " 2> " + Path("err");
    const int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(Path("out"));
    r.err = Slurp(Path("err"));
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("AUTOTUNE ", 0) == 0) r.metrics.push_back(nlohmann::json::parse(line.substr(9)));
    }
    return r;
  }

  fs::path dir_;
};

TEST_F(ProtocolTest, StandaloneRunsPrintFiniteMetricsFromRankZeroOnly) {
  for (int world : {1, 2}) {
    const Result r = Run({}, std::string(kTiny) + " --steps 8 --log-interval 2 --eval-interval 4 --nproc " +
                                 std::to_string(world));
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_EQ(r.metrics.size(), 4u) << r.out;  // steps 2, 4, 6, 8: one line each, not one per rank
    for (std::size_t i = 0; i < r.metrics.size(); ++i) {
      const nlohmann::json& m = r.metrics[i];
      EXPECT_EQ(m.at("step").get<int>(), 2 * static_cast<int>(i + 1));
      EXPECT_TRUE(std::isfinite(m.at("loss").get<double>()));
      EXPECT_GT(m.at("samples_per_s").get<double>(), 0);
      // val_acc on eval steps (4, 8) and at the end only.
      EXPECT_EQ(m.contains("val_acc"), i % 2 == 1) << m.dump();
      if (m.contains("val_acc")) {
        EXPECT_GE(m["val_acc"].get<double>(), 0);
        EXPECT_LE(m["val_acc"].get<double>(), 1);
      }
    }
  }
}

TEST_F(ProtocolTest, ASegmentRunsItsStepRangeAndWritesACompleteCheckpoint) {
  const Result r = Run({{"AUTOTUNE_PARAMS", R"({"lr": 0.05, "loss": "cosface", "margin": 0.2})"},
                        {"AUTOTUNE_STEP_BEGIN", "3"},
                        {"AUTOTUNE_STEP_END", "7"},
                        {"AUTOTUNE_CHECKPOINT_DIR", Path("ck")},
                        {"AUTOTUNE_SEED", "5"},
                        {"AUTOTUNE_TRIAL_ID", "1"}},
                       std::string(kTiny) + " --nproc 2");
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(r.metrics.size(), 4u);
  EXPECT_EQ(r.metrics.front()["step"], 4);
  EXPECT_EQ(r.metrics.back()["step"], 7);
  EXPECT_TRUE(r.metrics.back().contains("val_acc"));
  for (const char* f :
       {"COMPLETE", "manifest.json", "backbone.pt", "shard-00000-of-00002.pt", "shard-00001-of-00002.pt"}) {
    EXPECT_TRUE(fs::exists(dir_ / "ck" / f)) << f;
  }
  // COMPLETE is the last file written.
  const auto complete = fs::last_write_time(dir_ / "ck" / "COMPLETE");
  for (const auto& entry : fs::directory_iterator(dir_ / "ck")) EXPECT_LE(entry.last_write_time(), complete);
  const auto manifest = nlohmann::json::parse(Slurp(dir_ / "ck" / "manifest.json"));
  EXPECT_EQ(manifest["step"], 7);
  EXPECT_EQ(manifest["world_size"], 2);
  EXPECT_EQ(manifest["params"]["loss"], "cosface");
  EXPECT_DOUBLE_EQ(manifest["params"]["lr"].get<double>(), 0.05);
  EXPECT_TRUE(manifest["data_position"].contains("offset"));
}

TEST_F(ProtocolTest, ResumingKStepsAfterKStepsEqualsTwoKStepsStraight) {
  const std::string params = R"({"total_steps": 12, "warmup_steps": 2})";
  const std::string args = std::string(kTiny) + " --nproc 2 --eval-interval 4";
  const auto segment = [&](int begin, int end, const std::string& from, const std::string& to) {
    std::vector<std::pair<std::string, std::string>> env = {{"AUTOTUNE_PARAMS", params},
                                                            {"AUTOTUNE_STEP_BEGIN", std::to_string(begin)},
                                                            {"AUTOTUNE_STEP_END", std::to_string(end)},
                                                            {"AUTOTUNE_CHECKPOINT_DIR", Path(to)}};
    if (!from.empty()) env.push_back({"AUTOTUNE_RESUME_FROM", Path(from)});
    Result r = Run(env, args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r;
  };
  const Result straight = segment(0, 12, "", "straight");
  segment(0, 6, "", "first");
  const Result second = segment(6, 12, "first", "second");
  ASSERT_EQ(straight.metrics.size(), 12u);
  ASSERT_EQ(second.metrics.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    const nlohmann::json& a = straight.metrics[6 + i];
    const nlohmann::json& b = second.metrics[i];
    EXPECT_EQ(a["step"], b["step"]);
    EXPECT_EQ(a["loss"].get<double>(), b["loss"].get<double>()) << "step " << a["step"];  // exactly
    EXPECT_EQ(a.value("val_acc", -1.0), b.value("val_acc", -1.0));
  }
  // Same weights, bit for bit.
  for (const char* f :
       {"backbone.pt", "shard-00000-of-00002.pt", "shard-00001-of-00002.pt", "manifest.json"}) {
    EXPECT_EQ(Slurp(dir_ / "straight" / f), Slurp(dir_ / "second" / f)) << f;
  }
  // And the same optimiser state: two more steps from either checkpoint agree.
  const Result after_straight = segment(12, 14, "straight", "s2");
  const Result after_second = segment(12, 14, "second", "t2");
  ASSERT_EQ(after_straight.metrics.size(), 2u);
  ASSERT_EQ(after_second.metrics.size(), 2u);
  EXPECT_EQ(after_straight.metrics[1]["loss"].get<double>(), after_second.metrics[1]["loss"].get<double>());
  EXPECT_EQ(Slurp(dir_ / "s2" / "backbone.pt"), Slurp(dir_ / "t2" / "backbone.pt"));
}

// A segment that resumes another member's checkpoint (a PBT exploit) trains
// with its own optimiser settings, not those the checkpoint was taken with.
TEST_F(ProtocolTest, ResumingWithNewOptimiserSettingsTrainsWithThem) {
  const std::string args = std::string(kTiny) + " --eval-interval 100";
  const auto segment = [&](int begin, int end, double momentum, const std::string& from, const std::string& to) {
    std::vector<std::pair<std::string, std::string>> env = {
        {"AUTOTUNE_PARAMS", R"({"momentum": )" + std::to_string(momentum) + "}"},
        {"AUTOTUNE_STEP_BEGIN", std::to_string(begin)},
        {"AUTOTUNE_STEP_END", std::to_string(end)},
        {"AUTOTUNE_CHECKPOINT_DIR", Path(to)}};
    if (!from.empty()) env.push_back({"AUTOTUNE_RESUME_FROM", Path(from)});
    Result r = Run(env, args);
    EXPECT_EQ(r.code, 0) << r.err;
  };
  segment(0, 6, 0.9, "", "first");
  segment(6, 7, 0.0, "first", "without");  // the first step after resuming: only momentum differs
  segment(6, 7, 0.9, "first", "with");
  EXPECT_NE(Slurp(dir_ / "without" / "backbone.pt"), Slurp(dir_ / "with" / "backbone.pt"))
      << "the backbone stepped with the checkpoint's momentum, not the params'";
}

TEST_F(ProtocolTest, ANonFiniteLossFailsTheSegmentWithoutACheckpoint) {
  const Result r = Run({{"AUTOTUNE_PARAMS", R"({"lr": 1e30})"}, {"AUTOTUNE_CHECKPOINT_DIR", Path("ck")}},
                       std::string(kTiny) + " --steps 20");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("non-finite loss"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "ck" / "COMPLETE"));
  for (const auto& m : r.metrics) EXPECT_TRUE(std::isfinite(m["loss"].get<double>()));
}

TEST_F(ProtocolTest, BadInputExitsNonZeroWithOneLineNamingTheProblem) {
  const struct {
    const char* params;
    const char* args;
    const char* named;
  } cases[] = {
      {R"({"lr": -1})", "", "lr"},
      {R"({"dropout": 0.1})", "", "dropout"},
      {R"({"batch_size": 15})", " --nproc 2", "batch_size"},
      {R"({"margin": 3.5})", "", "margin"},
      {R"({"loss": "hinge"})", "", "loss"},
      {"{}", " --nproc 0", "nproc"},
      {"{}", " --lr abc", "lr"},
      {"{}", " --dataset fashion-mnist --data-dir /nonexistent/fmnist", "dataset-fashion-mnist"},
  };
  for (const auto& c : cases) {
    const Result r = Run({{"AUTOTUNE_PARAMS", c.params}}, std::string(kTiny) + " --steps 2" + c.args);
    EXPECT_NE(r.code, 0) << c.params << c.args;
    EXPECT_NE(r.err.find(c.named), std::string::npos) << c.params << c.args << " -> " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.metrics.empty());
  }
}

TEST_F(ProtocolTest, ARankThatFailsBringsTheOthersDownInsteadOfHanging) {
  // Rank 1's part of this prepared PLSC directory is malformed: rank 1 stops
  // while rank 0 waits for it in a collective.
  fs::create_directories(dir_ / "plsc");
  std::ofstream(dir_ / "plsc" / "prepare.json")
      << R"({"num_classes": 2, "parts": 2, "per_part": 1, "val_lines": 0})";
  std::ofstream(dir_ / "plsc" / "part-00000.txt") << "AAAA\t1\n";
  std::ofstream(dir_ / "plsc" / "part-00001.txt") << "not a sample\n";
  const auto start = std::chrono::steady_clock::now();
  const Result r =
      Run({}, "--dataset plsc --data-dir " + Path("plsc") + " --image-size 8 --batch-size 2 --nproc 2");
  EXPECT_NE(r.code, 0);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 60);
  EXPECT_NE(r.err.find("rank 1"), std::string::npos) << r.err;
}

TEST_F(ProtocolTest, PreparedPlscImagesTrainAResNetOnTwoRanks) {
  // 40 JPEG lines of 4 classes (the class is the image's brightness).
  {
    std::ofstream out(Path("images.txt"));
    for (int i = 0; i < 40; ++i) {
      autotune::trainer::Image im{20, 20, 3, std::vector<std::uint8_t>(20 * 20 * 3)};
      for (std::size_t p = 0; p < im.pixels.size(); ++p)
        im.pixels[p] = static_cast<std::uint8_t>(40 + 50 * (i % 4) + p % 7);
      out << autotune::trainer::Base64Encode(*autotune::trainer::EncodeJpeg(im, 90)) << '\t' << i % 4 << '\n';
    }
  }
  Result r = Run({}, "prepare --out " + Path("prepared") + " --parts 2 --val-fraction 0.2 --seed 3 " +
                         Path("images.txt"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("2 part(s) of 16 lines"), std::string::npos) << r.out;
  r = Run({},
          "--dataset plsc --data-dir " + Path("prepared") +
              " --image-size 16 --width 4 --embedding-size 8 --batch-size 8 --steps 3 --threads 1 --nproc 2");
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_FALSE(r.metrics.empty());
  EXPECT_TRUE(r.metrics.back().contains("val_acc"));
  // The directory was prepared for 2 ranks: 3 cannot share it.
  r = Run({}, "--dataset plsc --data-dir " + Path("prepared") + " --image-size 16 --batch-size 6 --nproc 3");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--parts"), std::string::npos) << r.err;
}

TEST_F(ProtocolTest, InitFromStartsAFineTuneFromAPretrainingCheckpoint) {
  ASSERT_EQ(Run({}, std::string(kTiny) + " --steps 3 --checkpoint-dir " + Path("pre")).code, 0);
  const std::string fine = " --steps 2 --init-from " + Path("pre");
  // Backbone only: the new task may have other classes.
  Result r = Run({}, std::string(kTiny) + fine + " --num-classes 12 --nproc 2");
  EXPECT_EQ(r.code, 0) << r.err;
  // Everything: needs the same classes, unless the classifier is reset.
  r = Run({}, std::string(kTiny) + fine + " --init-mode all --num-classes 12");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("class"), std::string::npos) << r.err;
  r = Run({}, std::string(kTiny) + fine + " --init-mode all --reset-classifier --num-classes 12");
  EXPECT_EQ(r.code, 0) << r.err;
  r = Run({}, std::string(kTiny) + fine + " --init-mode all --nproc 2");
  EXPECT_EQ(r.code, 0) << r.err;
  // A different backbone cannot take the weights.
  r = Run({}, std::string(kTiny) + fine + " --embedding-size 16");
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
