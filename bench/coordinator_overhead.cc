// bench/coordinator_overhead: how fast the coordinator turns trials over.
//
//   coordinator_overhead [--trials N] [--parallel P] [--executor process|inline]
//                        [--store sqlite|memory] [--searcher random|tpe|...]
//
// process: each trial is a real child process (/bin/echo printing one
//   AUTOTUNE line: a program that exits at once), so the figure includes
//   fork/exec, pipes, exit detection and the SQLite store.
// inline: segments complete immediately inside the process; this isolates
//   the coordinator + store + searcher cost and shows whether it grows with
//   the study's size (first vs last tenth of the trials).
// Prints trials/s and the coordinator process's own CPU (user+sys, children
// excluded) per trial.
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "db/store.h"
#include "tuner/coordinator/coordinator.h"
#include "tuner/core/spec_json.h"
#include "tuner/executor/local_process.h"

namespace {

using namespace autotune;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double CpuSeconds(int who = RUSAGE_SELF) {
  rusage u{};
  getrusage(who, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec * 1e-6;
}

// Completes every segment at once with a value derived from its params.
class InlineExecutor : public Executor {
 public:
  InlineExecutor(boost::asio::io_context& io, int capacity) : io_(io), capacity_(capacity) {}
  Status Launch(const SegmentTask& task, MetricsFn on_metrics, DoneFn on_done) override {
    ++running_;
    double x = std::get<double>(task.params.at("x"));
    boost::asio::post(io_, [this, x, step = task.step_end, on_metrics, on_done] {
      --running_;
      on_metrics(MetricPoint{step, {{"value", (x - 0.3) * (x - 0.3)}}});
      on_done(SegmentResult{});
    });
    return Status::Ok();
  }
  void Cancel(std::int64_t) override {}
  int Capacity() const override { return capacity_; }
  int Running() const override { return running_; }

 private:
  boost::asio::io_context& io_;
  int capacity_, running_ = 0;
};

std::string Arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return def;
}

}  // namespace

int main(int argc, char** argv) {
  int trials = std::atoi(Arg(argc, argv, "--trials", "1000").c_str());
  int parallel = std::atoi(Arg(argc, argv, "--parallel", "4").c_str());
  std::string executor_kind = Arg(argc, argv, "--executor", "process");
  std::string store_kind = Arg(argc, argv, "--store", "sqlite");
  std::string searcher_name = Arg(argc, argv, "--searcher", "random");

  auto dir = std::filesystem::temp_directory_path() / ("autotune-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string spec_text = R"({"name": "bench", "space": {"x": {"type": "float", "low": 0, "high": 1}},
      "searcher": {"algorithm": ")" + searcher_name + R"("},
      "trial": {"command": ["/bin/echo", "AUTOTUNE {\"step\": 1, \"value\": 0.5}"]},
      "budget": {"max_trials": )" + std::to_string(trials) + R"(, "max_parallel": )" + std::to_string(parallel) + "}}";
  auto parsed = ParseStudySpec(spec_text, dir.string());
  if (!parsed.ok()) return std::fprintf(stderr, "%s\n", parsed.status().ToString().c_str()), 2;
  std::unique_ptr<Store> store;
  if (store_kind == "memory") {
    store = NewMemoryStore();
  } else {
    auto opened = OpenSqliteStore((dir / "bench.db").string());
    if (!opened.ok()) return std::fprintf(stderr, "%s\n", opened.status().ToString().c_str()), 1;
    store = std::move(*opened);
  }
  auto searcher = MakeSearcher(parsed->spec.searcher, parsed->spec.space, 0);
  if (!searcher.ok()) return std::fprintf(stderr, "%s\n", searcher.status().ToString().c_str()), 2;
  auto study = *store->CreateStudy("bench", parsed->canonical_json);

  boost::asio::io_context io;
  std::unique_ptr<Executor> executor;
  if (executor_kind == "inline") {
    executor = std::make_unique<InlineExecutor>(io, parallel);
  } else {
    LocalProcessOptions o;
    o.max_parallel = parallel;
    executor = std::make_unique<LocalProcessExecutor>(io, o);
  }
  CoordinatorOptions copts;
  copts.checkpoint_root = (dir / "ckpt").string();
  Coordinator c(io, *store, *executor, **searcher, parsed->spec, study, copts);
  int tenth = std::max(1, trials / 10);
  double t0 = Now(), cpu0 = CpuSeconds(), child0 = CpuSeconds(RUSAGE_CHILDREN), first_tenth_s = 0, last_tenth_start = 0;
  c.on_progress = [&](const Progress& p) {
    if (p.completed == tenth && first_tenth_s == 0) first_tenth_s = Now() - t0;
    if (p.completed == trials - tenth && last_tenth_start == 0) last_tenth_start = Now();
  };
  Status result;
  c.Start([&](const Status& s, StudyState) { result = s; });
  io.run();
  double child_cpu = CpuSeconds(RUSAGE_CHILDREN) - child0;
  double wall = Now() - t0, cpu = CpuSeconds() - cpu0, last_tenth_s = Now() - last_tenth_start;
  std::filesystem::remove_all(dir);
  if (!result.ok()) return std::fprintf(stderr, "study failed: %s\n", result.ToString().c_str()), 1;
  std::printf("executor=%s store=%s searcher=%s trials=%d parallel=%d\n", executor_kind.c_str(),
              store_kind.c_str(), searcher_name.c_str(), c.progress().completed, parallel);
  std::printf("  wall %.2f s, %.0f trials/s\n", wall, trials / wall);
  std::printf("  coordinator CPU %.3f s, %.1f us per trial\n", cpu, cpu / trials * 1e6);
  std::printf("  trial programs' CPU %.3f s, %.1f us per trial\n", child_cpu, child_cpu / trials * 1e6);
  std::printf("  first tenth %.0f trials/s, last tenth %.0f trials/s\n", tenth / first_tenth_s,
              tenth / last_tenth_s);
  return 0;
}
