// GET /api/v1/studies/{id}/trials, GET /api/v1/trials/{id},
// GET /api/v1/trials/{id}/metrics, GET /api/v1/trials/{id}/schedule.
#include "web/handlers/context.h"
#include "web/views.h"

namespace autotune::web {

using nlohmann::json;

Reply ListTrials(ApiContext& c, const RequestView& r) {
  auto page = ReadTrialPage(c, r);
  if (!page.ok()) return ErrorReply(page.status());
  json items = json::array();
  for (const TrialRecord& t : page->trials) {
    json j = TrialJson(t);
    auto points = c.store.GetMetrics(t.id);
    if (!points.ok()) return ErrorReply(points.status());
    j["last_metrics"] = points->empty() ? json(nullptr) : MetricPointJson(points->back());
    items.push_back(std::move(j));
  }
  return PageReply("trials", std::move(items), page->next_cursor());
}

Reply GetTrial(ApiContext& c, const RequestView& r) {
  auto id = PathId(r, "id", "trial");
  if (!id.ok()) return ErrorReply(id.status());
  auto trial = c.store.GetTrial(*id);
  if (!trial.ok()) return ErrorReply(trial.status());
  auto segments = c.store.ListSegments(*id);
  if (!segments.ok()) return ErrorReply(segments.status());
  auto points = c.store.GetMetrics(*id);
  if (!points.ok()) return ErrorReply(points.status());
  json j = TrialJson(*trial);
  j["segments"] = json::array();
  for (const auto& s : *segments) j["segments"].push_back(SegmentJson(s));
  j["metrics"] = json::array();
  for (const auto& p : *points) j["metrics"].push_back(MetricPointJson(p));
  return JsonReply(Dump(j));
}

Reply GetTrialMetrics(ApiContext& c, const RequestView& r) {
  auto id = PathId(r, "id", "trial");
  if (!id.ok()) return ErrorReply(id.status());
  auto page = ParsePage(r, c.options);
  if (!page.ok()) return ErrorReply(page.status());
  auto points = c.store.GetMetrics(*id);
  if (!points.ok()) return ErrorReply(points.status());
  if (points->empty()) {
    auto trial = c.store.GetTrial(*id);  // 404 for an unknown trial, not an empty series
    if (!trial.ok()) return ErrorReply(trial.status());
  }
  // The cursor is the index of the next point.
  const std::size_t from = page->cursor ? static_cast<std::size_t>(*page->cursor) : 0;
  json items = json::array();
  std::size_t i = from;
  for (; i < points->size() && static_cast<int>(items.size()) < page->limit; ++i)
    items.push_back(MetricPointJson((*points)[i]));
  Reply reply = PageReply("points", std::move(items),
                          i < points->size() ? std::optional<std::int64_t>(i) : std::nullopt);
  return reply;
}

Reply GetTrialSchedule(ApiContext& c, const RequestView& r) {
  auto id = PathId(r, "id", "trial");
  if (!id.ok()) return ErrorReply(id.status());
  auto trial = c.store.GetTrial(*id);
  if (!trial.ok()) return ErrorReply(trial.status());
  auto study = c.store.GetStudy(trial->study_id);
  if (!study.ok()) return ErrorReply(study.status());
  auto spec = StudyService::StoredSpec(*study);
  auto schedule = LearnedScheduleOf(c.store, *id);
  if (!schedule.ok()) return ErrorReply(schedule.status());
  return JsonReply(Dump(ScheduleJson(*schedule, *trial, spec.ok() && spec->trial ? spec->trial->max_steps : 0)));
}

}  // namespace autotune::web
