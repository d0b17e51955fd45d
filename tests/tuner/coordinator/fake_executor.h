// A scripted Executor for coordinator tests: each launched task is answered
// by a user function (task -> metrics + result) on the io_context, after an
// optional number of io "ticks", so tests control concurrency exactly.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <vector>

#include "tuner/executor/executor.h"

namespace autotune::testing {

struct FakeRun {
  std::vector<MetricPoint> metrics;
  SegmentResult result;
  bool write_checkpoint = false;  // create checkpoint_dir/COMPLETE
  bool hold = false;              // do not finish until Release()
};

class FakeExecutor : public Executor {
 public:
  using Script = std::function<FakeRun(const SegmentTask&)>;

  FakeExecutor(boost::asio::io_context& io, int capacity, Script script)
      : io_(io), capacity_(capacity), script_(std::move(script)) {}

  Status Launch(const SegmentTask& task, MetricsFn on_metrics, DoneFn on_done) override {
    if (Running() >= capacity_) return Status::Unavailable("no free slot");
    launched.push_back(task);
    FakeRun run = script_(task);
    live_[task.segment_id] = {task, run, std::move(on_metrics), std::move(on_done)};
    max_seen = std::max(max_seen, Running());
    int& of_study = running_by_study[task.study_name];
    max_by_study[task.study_name] = std::max(max_by_study[task.study_name], ++of_study);
    if (!run.hold) boost::asio::post(io_, [this, id = task.segment_id] { Finish(id, false); });
    return Status::Ok();
  }

  void Cancel(std::int64_t segment_id) override {
    boost::asio::post(io_, [this, segment_id] { Finish(segment_id, true); });
  }

  // Finishes a held segment as scripted.
  void Release(std::int64_t segment_id) {
    boost::asio::post(io_, [this, segment_id] { Finish(segment_id, false); });
  }

  int Capacity() const override { return capacity_; }
  int Running() const override { return static_cast<int>(live_.size()); }
  std::vector<std::int64_t> LiveIds() const {
    std::vector<std::int64_t> ids;
    for (const auto& [id, l] : live_) ids.push_back(id);
    return ids;
  }

  std::vector<SegmentTask> launched;
  int max_seen = 0;
  std::map<std::string, int> running_by_study, max_by_study;

 private:
  struct Live {
    SegmentTask task;
    FakeRun run;
    MetricsFn on_metrics;
    DoneFn on_done;
  };

  void Finish(std::int64_t id, bool cancelled) {
    auto it = live_.find(id);
    if (it == live_.end()) return;
    Live l = std::move(it->second);
    live_.erase(it);
    --running_by_study[l.task.study_name];
    if (cancelled) {
      SegmentResult r;
      r.kind = SegmentResult::Kind::kCancelled;
      r.error = "cancelled";
      return l.on_done(r);
    }
    for (const auto& m : l.run.metrics) l.on_metrics(m);
    if (l.run.write_checkpoint) {
      std::filesystem::create_directories(l.task.checkpoint_dir);
      std::ofstream(l.task.checkpoint_dir + "/weights") << "w";
      std::ofstream(l.task.checkpoint_dir + "/COMPLETE") << "";
      l.run.result.checkpoint_complete = true;
    }
    l.on_done(l.run.result);
  }

  boost::asio::io_context& io_;
  int capacity_;
  Script script_;
  std::map<std::int64_t, Live> live_;
};

// A run that reports `value` for the metric "value" at step_end.
inline FakeRun Reports(const SegmentTask& task, double value) {
  FakeRun r;
  r.metrics.push_back({task.step_end, {{"value", value}}});
  return r;
}

}  // namespace autotune::testing
