// GET /api/v1/studies/{id}/lineage (a page of trials with their segments:
// who continued from whom, at which step, with which params) and
// GET /api/v1/trials/{id}/lineage (one trial's lineage and learned schedule,
// web/lineage.h). What the dashboard's PBT view draws, in a request each.
#include "web/lineage.h"

#include "web/handlers/context.h"
#include "web/views.h"

namespace autotune::web {
namespace {

using nlohmann::json;

// A segment without its log and checkpoint folders (server-local paths).
json LineageSegmentJson(const SegmentRecord& s) {
  json j = SegmentJson(s);
  for (const char* key : {"log_tail", "checkpoint_dir", "resume_from"}) j.erase(key);
  return j;
}

}  // namespace

Reply StudyLineage(ApiContext& c, const RequestView& r) {
  auto page = ReadTrialPage(c, r);
  if (!page.ok()) return ErrorReply(page.status());
  json items = json::array();
  for (const TrialRecord& t : page->trials) {
    auto segments = c.store.ListSegments(t.id);
    if (!segments.ok()) return ErrorReply(segments.status());
    json j = TrialJson(t);
    j["segments"] = json::array();
    for (const SegmentRecord& s : *segments) j["segments"].push_back(LineageSegmentJson(s));
    items.push_back(std::move(j));
  }
  return PageReply("trials", std::move(items), page->next_cursor());
}

Reply TrialLineage(ApiContext& c, const RequestView& r) {
  auto id = PathId(r, "id", "trial");
  if (!id.ok()) return ErrorReply(id.status());
  auto lineage = WalkLineage(c.store, *id);
  if (!lineage.ok()) return ErrorReply(lineage.status());
  json links = json::array();
  for (const LineageLink& l : lineage->links) {
    links.push_back({{"trial_id", l.trial.id},
                     {"number", l.trial.number},
                     {"segment_id", l.segment.id},
                     {"step_begin", l.segment.step_begin},
                     {"step_end", l.segment.step_end},
                     {"params", ParamsJson(l.segment.params)},
                     {"value", OptionalJson(l.segment.value)},
                     {"source_trial_id", OptionalJson(l.segment.source_trial_id)}});
  }
  json points = json::array();
  for (const MetricPoint& p : lineage->points) points.push_back(MetricPointJson(p));
  return JsonReply(Dump({{"trial_id", *id}, {"links", std::move(links)}, {"points", std::move(points)}}));
}

}  // namespace autotune::web
