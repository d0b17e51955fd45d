#include "web/lineage.h"

#include <map>

namespace autotune::web {
namespace {

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
  Lineage lineage;
  AT_ASSIGN_OR_RETURN(lineage.links, LineageOf(store, trial_id));
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
