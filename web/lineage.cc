#include "web/lineage.h"

#include <algorithm>
#include <map>

namespace autotune::web {
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
// moves back), a later try winning a tie. nullptr when there is none.
const SegmentRecord* SegmentReaching(const std::vector<SegmentRecord>& segments, std::int64_t step) {
  const SegmentRecord* pick = nullptr;
  for (const SegmentRecord& s : segments) {
    if (s.state != SegmentState::kCompleted || s.step_end > step || s.step_begin >= step) continue;
    if (!pick || s.step_end > pick->step_end || (s.step_end == pick->step_end && s.id > pick->id)) pick = &s;
  }
  return pick;
}

// The points of `all` (ordered by step) within the link's steps, the last
// report of a step replacing earlier ones.
void AppendLinkPoints(const std::vector<MetricPoint>& all, const SegmentRecord& s, bool first,
                      std::vector<MetricPoint>& out) {
  for (const MetricPoint& p : all) {
    const bool inside = p.step <= s.step_end && (p.step > s.step_begin || (first && p.step == s.step_begin));
    if (!inside) continue;
    if (!out.empty() && out.back().step == p.step) {
      out.back() = p;
    } else {
      out.push_back(p);
    }
  }
}

}  // namespace

StatusOr<Lineage> WalkLineage(Store& store, std::int64_t trial_id) {
  TrialReader reader(store);
  AT_ASSIGN_OR_RETURN(const TrialReader::Entry* start, reader.Get(trial_id));
  AT_ASSIGN_OR_RETURN(std::int64_t current, CheckpointOwner(store, start->trial));
  Lineage lineage;
  // Each link starts before the step it reached, so `step` falls and the walk ends.
  for (std::int64_t step = start->trial.step; step > 0;) {
    AT_ASSIGN_OR_RETURN(const TrialReader::Entry* e, reader.Get(current));
    const SegmentRecord* s = SegmentReaching(e->segments, step);
    if (!s) break;
    lineage.links.push_back(LineageLink{e->trial, *s});
    step = s->step_begin;
    if (s->source_trial_id) current = *s->source_trial_id;
  }
  std::reverse(lineage.links.begin(), lineage.links.end());
  std::map<std::int64_t, std::vector<MetricPoint>> metrics;
  for (std::size_t i = 0; i < lineage.links.size(); ++i) {
    const LineageLink& link = lineage.links[i];
    auto it = metrics.find(link.trial.id);
    if (it == metrics.end()) {
      AT_ASSIGN_OR_RETURN(auto points, store.GetMetrics(link.trial.id));
      it = metrics.emplace(link.trial.id, std::move(points)).first;
    }
    AppendLinkPoints(it->second, link.segment, i == 0, lineage.points);
  }
  return lineage;
}

}  // namespace autotune::web
