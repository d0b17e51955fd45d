// POST /api/v1/studies, GET /api/v1/studies, GET /api/v1/studies/{id},
// POST /api/v1/studies/{id}/stop.
#include "tuner/core/spec_json.h"
#include "web/handlers/context.h"
#include "web/views.h"

namespace autotune::web {
namespace {

using nlohmann::json;

// The study's JSON with what only the server knows: whether it runs here and
// its live progress; and what the dashboard lists (algorithms, budget).
json StudyJson(ApiContext& c, const StudyView& v, bool detail) {
  json j = detail ? StudyDetailJson(v) : StudySummaryJson(v);
  j["metric"] = v.objective.metric;
  j["mode"] = v.objective.mode == Mode::kMax ? "max" : "min";
  j["trials"] = v.total();
  j["best_value"] = v.best ? OptionalJson(v.best->value) : json(nullptr);
  j["best_trial_id"] = v.best ? json(v.best->id) : json(nullptr);
  j["created_at"] = v.study.created_at;
  j["finished_at"] = v.study.finished_at > 0 ? json(v.study.finished_at) : json(nullptr);
  j["running_here"] = c.service.IsRunning(v.study.id);
  j["searcher"] = v.searcher;
  j["scheduler"] = v.scheduler;
  j["max_trials"] = v.budget.max_trials;
  const Progress* p = c.service.ProgressOf(v.study.id);
  j["progress"] = p ? ProgressJson(*p) : json(nullptr);
  return j;
}

}  // namespace

Reply SubmitStudy(ApiContext& c, const RequestView& r) {
  auto parsed = ParseStudySpec(r.request.body(), c.options.spec_base_dir);
  if (!parsed.ok()) return ErrorReply(parsed.status());
  auto opened = c.service.Open(*parsed);
  if (!opened.ok()) return ErrorReply(opened.status());
  const StudyRecord& study = opened->record;
  const bool finished = study.state == StudyState::kCompleted || study.state == StudyState::kFailed;
  if (!finished && !c.service.IsRunning(study.id)) {
    // A new study always starts; an existing one (stopped, or left by a
    // crash) resumes unless another process owns it.
    Status started = c.StartStudy(study.id);
    if (!started.ok()) return ErrorReply(started);
  }
  auto now = c.store.GetStudy(study.id);
  if (!now.ok()) return ErrorReply(now.status());
  json j = {
      {"id", study.id}, {"name", study.name}, {"state", ToString(now->state)}, {"created", opened->created}};
  Reply reply = JsonReply(Dump(j), opened->created ? http::status::created : http::status::ok);
  reply.headers.emplace_back("Location", "/api/v1/studies/" + std::to_string(study.id));
  return reply;
}

Reply ListStudies(ApiContext& c, const RequestView& r) {
  auto page = ParsePage(r, c.options);
  if (!page.ok()) return ErrorReply(page.status());
  auto state_word = QueryWord(r, "state");
  auto name = QueryWord(r, "name");
  if (!state_word.ok()) return ErrorReply(state_word.status());
  if (!name.ok()) return ErrorReply(name.status());
  StudyState state = StudyState::kRunning;
  if (*state_word && !ParseStudyState(**state_word, &state))
    return ErrorReply(Status::InvalidArgument("must be one of running, completed, failed, stopped", "state"));
  auto studies = c.store.ListStudies();
  if (!studies.ok()) return ErrorReply(studies.status());
  json items = json::array();
  std::optional<std::int64_t> next;
  for (const StudyRecord& s : *studies) {
    if (page->cursor && s.id <= *page->cursor) continue;
    if (*state_word && s.state != state) continue;
    if (*name && s.name != **name) continue;
    if (static_cast<int>(items.size()) == page->limit) {
      next = items.back()["id"].get<std::int64_t>();
      break;
    }
    auto view = LoadStudyView(c.store, s);
    if (!view.ok()) return ErrorReply(view.status());
    items.push_back(StudyJson(c, *view, false));
  }
  return PageReply("studies", std::move(items), next);
}

Reply GetStudy(ApiContext& c, const RequestView& r) {
  auto id = PathId(r, "id", "study");
  if (!id.ok()) return ErrorReply(id.status());
  auto study = c.store.GetStudy(*id);
  if (!study.ok()) return ErrorReply(study.status());
  auto view = LoadStudyView(c.store, *study);
  if (!view.ok()) return ErrorReply(view.status());
  auto last_event = LatestEventId(c.store, *id);
  if (!last_event.ok()) return ErrorReply(last_event.status());
  json j = StudyJson(c, *view, true);
  j["last_event_id"] = *last_event;  // where the dashboard starts following events
  return JsonReply(Dump(j));
}

Reply StopStudy(ApiContext& c, const RequestView& r) {
  auto id = PathId(r, "id", "study");
  if (!id.ok()) return ErrorReply(id.status());
  auto study = c.store.GetStudy(*id);
  if (!study.ok()) return ErrorReply(study.status());
  if (!c.service.IsRunning(*id)) {
    std::string why = "study '" + study->name + "' is " + ToString(study->state);
    if (study->state == StudyState::kRunning) why = "study '" + study->name + "' is not run by this server";
    return ErrorReply(Status::FailedPrecondition(why));
  }
  Status s = c.service.Stop(*id);
  if (!s.ok()) return ErrorReply(s);
  // Running segments are cancelled first; the study is stopped once they end.
  json j = {{"id", *id}, {"name", study->name}, {"state", "stopping"}};
  return JsonReply(Dump(j), http::status::accepted);
}

}  // namespace autotune::web
