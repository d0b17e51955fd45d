// GET /api/v1/studies/{id}/curves: one metric's series for a page of a
// study's trials at once (what the dashboard's curve charts draw), instead of
// a metrics request per trial. Long series are thinned to max_points evenly
// spaced points, the first and last always kept.
#include <cmath>

#include "tuner/coordinator/study_service.h"
#include "web/handlers/context.h"
#include "web/views.h"

namespace autotune::web {
namespace {

using nlohmann::json;

constexpr std::int64_t kDefaultMaxPoints = 1000, kMostPoints = 100000;

// [[step, value], ...] of `metric`, at most max_points of them.
json Series(const std::vector<MetricPoint>& points, const std::string& metric, std::int64_t max_points) {
  std::vector<std::pair<std::int64_t, double>> all;
  for (const MetricPoint& p : points) {
    auto it = p.values.find(metric);
    if (it != p.values.end()) all.emplace_back(p.step, it->second);
  }
  const std::size_t n = all.size(), keep = std::min<std::size_t>(n, static_cast<std::size_t>(max_points));
  json out = json::array();
  for (std::size_t i = 0; i < keep; ++i) {
    // keep >= 2 whenever thinning happens (max_points >= 2).
    const std::size_t at =
        keep == n ? i
                  : static_cast<std::size_t>(std::llround(
                        static_cast<double>(i) * static_cast<double>(n - 1) / static_cast<double>(keep - 1)));
    out.push_back(json::array({all[at].first, all[at].second}));
  }
  return out;
}

}  // namespace

Reply StudyCurves(ApiContext& c, const RequestView& r) {
  auto page = ReadTrialPage(c, r);
  if (!page.ok()) return ErrorReply(page.status());
  auto metric_word = QueryWord(r, "metric");
  if (!metric_word.ok()) return ErrorReply(metric_word.status());
  auto max_points = QueryInt(r, "max_points", 2, kMostPoints, kDefaultMaxPoints);
  if (!max_points.ok()) return ErrorReply(max_points.status());
  std::string metric = "value";
  if (*metric_word) {
    metric = **metric_word;
  } else if (auto spec = StudyService::StoredSpec(page->study); spec.ok()) {
    metric = spec->objective.metric;
  }
  json items = json::array();
  for (const TrialRecord& t : page->trials) {
    auto points = c.store.GetMetrics(t.id);
    if (!points.ok()) return ErrorReply(points.status());
    items.push_back({{"trial_id", t.id},
                     {"number", t.number},
                     {"state", ToString(t.state)},
                     {"value", OptionalJson(t.value)},
                     {"finished_at", IsFinished(t.state) ? json(t.updated_at) : json(nullptr)},
                     {"points", Series(*points, metric, *max_points)}});
  }
  return PageReply("curves", std::move(items), page->next_cursor());
}

}  // namespace autotune::web
