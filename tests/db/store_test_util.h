// Shared fixture of the Store contract suites: one typed fixture run against
// every Store implementation, with an injected clock and a private folder.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "db/memory_store.h"
#include "db/sqlite_store.h"
#include "db/store.h"

namespace autotune::db_testing {

inline Status StatusOf(const Status& s) { return s; }
template <typename T>
Status StatusOf(const StatusOr<T>& s) {
  return s.status();
}

#define AT_EXPECT_OK(expr)                                                   \
  do {                                                                       \
    const ::autotune::Status at_st = ::autotune::db_testing::StatusOf(expr); \
    EXPECT_TRUE(at_st.ok()) << at_st.ToString();                             \
  } while (0)
#define AT_ASSERT_OK(expr)                                                   \
  do {                                                                       \
    const ::autotune::Status at_st = ::autotune::db_testing::StatusOf(expr); \
    ASSERT_TRUE(at_st.ok()) << at_st.ToString();                             \
  } while (0)
#define AT_ASSERT_OK_AND_ASSIGN(lhs, expr) AT_ASSERT_OK_AND_ASSIGN_IMPL(AT_CONCAT(at_t_, __LINE__), lhs, expr)
#define AT_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();  \
  lhs = std::move(tmp).value()

// A fresh folder under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "db-test-XXXXXX").string();
    if (::mkdtemp(templ.data()) != nullptr) path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct SqliteFactory {
  static std::unique_ptr<Store> Make(const TempDir& dir, const StoreOptions& options) {
    StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(dir.File("store.db"), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
};

struct MemoryFactory {
  static std::unique_ptr<Store> Make(const TempDir&, const StoreOptions& options) {
    return NewMemoryStore(options);
  }
};

struct StoreTypeNames {
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteFactory> ? "Sqlite" : "Memory";
  }
};

using StoreTypes = ::testing::Types<SqliteFactory, MemoryFactory>;

// The fixture: store_ is a fresh store whose clock reads now_.
template <typename Factory>
class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    store_ = Factory::Make(dir_, Options());
    ASSERT_NE(store_, nullptr);
  }

  StoreOptions Options() {
    StoreOptions options;
    options.clock = [this] { return now_; };
    return options;
  }

  // Helpers that fail the test (and return a default record) on error.
  StudyRecord NewStudy(const std::string& name = "study") {
    StatusOr<StudyRecord> s = store_->CreateStudy(name, R"({"name":")" + name + R"("})");
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : StudyRecord{};
  }
  TrialRecord NewTrial(std::int64_t study_id, const Params& params = {{"x", 0.5}}) {
    StatusOr<TrialRecord> t = store_->CreateTrial(study_id, params, std::nullopt, 0);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : TrialRecord{};
  }
  SegmentRecord Start(std::int64_t trial_id, std::int64_t begin, std::int64_t end) {
    SegmentRecord seg;
    seg.trial_id = trial_id;
    seg.step_begin = begin;
    seg.step_end = end;
    seg.params = {{"x", 0.5}};
    seg.checkpoint_dir = "/ckpt/" + std::to_string(trial_id) + "/" + std::to_string(begin);
    StatusOr<SegmentRecord> s = store_->StartSegment(seg);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : SegmentRecord{};
  }
  static SegmentOutcome Completed(std::int64_t trial_step, double value, const std::string& checkpoint = "") {
    SegmentOutcome o;
    o.trial_state = TrialState::kCompleted;
    o.value = value;
    o.trial_step = trial_step;
    o.checkpoint = checkpoint;
    return o;
  }

  double now_ = 1000.0;
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace autotune::db_testing
