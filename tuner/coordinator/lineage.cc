#include "tuner/coordinator/lineage.h"

#include <algorithm>
#include <limits>
#include <map>

namespace autotune {
namespace {

// Each trial's record and segments, read once per walk.
class TrialReader {
 public:
  explicit TrialReader(Store& store) : store_(store) {}

  struct Entry {
    TrialRecord trial;
    std::vector<SegmentRecord> segments;
  };

  StatusOr<const Entry*> Get(std::int64_t trial_id) {
    auto it = entries_.find(trial_id);
    if (it != entries_.end()) return &it->second;
    Entry e;
    AT_ASSIGN_OR_RETURN(e.trial, store_.GetTrial(trial_id));
    AT_ASSIGN_OR_RETURN(e.segments, store_.ListSegments(trial_id));
    return &entries_.emplace(trial_id, std::move(e)).first->second;
  }

 private:
  Store& store_;
  std::map<std::int64_t, Entry> entries_;
};

// The trial whose training `t.checkpoint` holds: as recorded among t's own
// checkpoints (a PBT copy names its origin), else among its parent's (an
// exploit that resumes from the source's own checkpoint). t itself when it
// has no checkpoint or none is recorded.
StatusOr<std::int64_t> CheckpointOwner(Store& store, const TrialRecord& t) {
  if (t.checkpoint.empty()) return t.id;
  std::vector<std::int64_t> holders{t.id};
  if (t.parent_id) holders.push_back(*t.parent_id);
  for (std::int64_t holder : holders) {
    AT_ASSIGN_OR_RETURN(auto checkpoints, store.ListCheckpoints(holder));
    for (const CheckpointRecord& c : checkpoints)
      if (c.path == t.checkpoint) return c.origin_trial_id.value_or(c.trial_id);
  }
  return t.id;
}

// The completed segment of `segments` that brought a model to `step`: the
// one ending latest at or before it (and starting before it, so every link
// moves back), among those older than `before_id` (segment ids grow across
// the store: a checkpoint copied before segment N started was made by
// segments older than N), a later try winning a tie. nullptr when none.
const SegmentRecord* SegmentReaching(const std::vector<SegmentRecord>& segments, std::int64_t step,
                                     std::int64_t before_id) {
  const SegmentRecord* pick = nullptr;
  for (const SegmentRecord& s : segments) {
    if (s.state != SegmentState::kCompleted || s.step_end > step || s.step_begin >= step || s.id >= before_id)
      continue;
    if (!pick || s.step_end > pick->step_end || (s.step_end == pick->step_end && s.id > pick->id)) pick = &s;
  }
  return pick;
}

}  // namespace

StatusOr<std::vector<LineageLink>> LineageOf(Store& store, std::int64_t trial_id) {
  TrialReader reader(store);
  AT_ASSIGN_OR_RETURN(const TrialReader::Entry* start, reader.Get(trial_id));
  AT_ASSIGN_OR_RETURN(std::int64_t current, CheckpointOwner(store, start->trial));
  std::vector<LineageLink> links;
  std::int64_t before_id = std::numeric_limits<std::int64_t>::max();
  // Each link starts before the step it reached, so `step` falls and the walk ends.
  for (std::int64_t step = start->trial.step; step > 0;) {
    AT_ASSIGN_OR_RETURN(const TrialReader::Entry* e, reader.Get(current));
    const SegmentRecord* s = SegmentReaching(e->segments, step, before_id);
    if (!s) break;
    links.push_back(LineageLink{e->trial, *s});
    step = s->step_begin;
    before_id = s->id;
    if (s->source_trial_id) current = *s->source_trial_id;
  }
  std::reverse(links.begin(), links.end());
  return links;
}

StatusOr<LearnedSchedule> LearnedScheduleOf(Store& store, std::int64_t trial_id) {
  AT_ASSIGN_OR_RETURN(TrialRecord trial, store.GetTrial(trial_id));
  AT_ASSIGN_OR_RETURN(std::vector<LineageLink> links, LineageOf(store, trial_id));
  if (trial.step > 0 && (links.empty() || links.front().segment.step_begin != 0)) {
    const std::int64_t reached = links.empty() ? trial.step : links.front().segment.step_begin;
    return Status::FailedPrecondition("the lineage of trial " + std::to_string(trial_id) +
                                      " cannot be followed back from step " + std::to_string(reached) +
                                      " to step 0: no completed segment reaches it");
  }
  LearnedSchedule out;
  out.trial_id = trial_id;
  out.end_step = trial.step;
  for (const LineageLink& l : links) {
    if (!out.entries.empty() && out.entries.back().params == l.segment.params &&
        out.entries.back().trial_id == l.trial.id)
      continue;  // the same params on: one entry
    out.entries.push_back({l.segment.step_begin, l.segment.params, l.trial.id});
  }
  return out;
}

}  // namespace autotune
