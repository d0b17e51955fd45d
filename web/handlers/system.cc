// GET /healthz, /metrics, /api/v1/openapi.json, /api/v1/studies/{id}/events,
// and the dashboard's files (/, /studies/{id}, /static/...).
#include <charconv>

#include "web/handlers/context.h"
#include "web/openapi.h"
#include "web/server_metrics.h"
#include "web/views.h"

namespace autotune::web {
namespace {

std::string Gauge(const std::string& name, const std::string& help, const std::string& type) {
  return "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

Reply Healthz(ApiContext& c, const RequestView&) {
  nlohmann::json j = {{"status", "ok"}, {"studies_running", c.service.RunningStudies().size()}};
  return JsonReply(Dump(j));
}

Reply PrometheusMetrics(ApiContext& c, const RequestView&) {
  auto studies = c.store.ListStudies();
  if (!studies.ok()) return ErrorReply(studies.status());
  std::array<int, 4> by_state{};
  std::array<long, 6> trials{};
  for (const StudyRecord& s : *studies) {
    ++by_state[static_cast<int>(s.state)];
    auto counts = c.store.CountTrials(s.id);
    if (!counts.ok()) return ErrorReply(counts.status());
    for (int i = 0; i < 6; ++i) trials[i] += (*counts)[i];
  }
  std::string out = Gauge("autotune_studies", "Studies in the store, by state.", "gauge");
  for (int i = 0; i < 4; ++i) {
    out += std::string("autotune_studies{state=\"") + ToString(static_cast<StudyState>(i)) + "\"} " +
           std::to_string(by_state[i]) + "\n";
  }
  out +=
      Gauge("autotune_studies_served", "Studies this server runs or serves through ask/tell now.", "gauge");
  out += "autotune_studies_served " + std::to_string(c.service.RunningStudies().size()) + "\n";
  out += Gauge("autotune_trials", "Trials in the store, by state.", "gauge");
  for (int i = 0; i < 6; ++i) {
    out += std::string("autotune_trials{state=\"") + ToString(static_cast<TrialState>(i)) + "\"} " +
           std::to_string(trials[i]) + "\n";
  }
  // A running trial has exactly one running segment (the Store's contract).
  out += Gauge("autotune_segments_running",
               "Segments running (trial programs, and asked trials not yet told).", "gauge");
  out += "autotune_segments_running " + std::to_string(trials[static_cast<int>(TrialState::kRunning)]) + "\n";
  out += c.metrics.Prometheus();
  Reply r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = std::move(out);
  return r;
}

Reply OpenApi(ApiContext&, const RequestView&) { return JsonReply(std::string(OpenApiDocument())); }

Reply StudyEvents(ApiContext& c, const RequestView& r) {
  auto id = PathId(r, "id", "study");
  if (!id.ok()) return ErrorReply(id.status());
  auto study = c.store.GetStudy(*id);
  if (!study.ok()) return ErrorReply(study.status());
  // Where to resume: the Last-Event-ID a reconnecting client sends, else the
  // `after` query parameter, else the study's first event.
  std::string after;
  std::string field = "Last-Event-ID";
  auto header = r.request.find("Last-Event-ID");
  if (header != r.request.end()) {
    after = std::string(header->value());
  } else if (auto q = r.Query("after")) {
    after = *q;
    field = "after";
  }
  EventStreamStart start{*id, 0};
  if (!after.empty()) {
    auto [ptr, ec] = std::from_chars(after.data(), after.data() + after.size(), start.after_id);
    if (ec != std::errc() || ptr != after.data() + after.size() || start.after_id < 0)
      return ErrorReply(Status::InvalidArgument("must be an event id (an integer >= 0)", field));
  }
  Reply reply;
  reply.content_type = "text/event-stream";
  reply.stream = start;
  return reply;
}

Reply Dashboard(ApiContext& c, const RequestView&) { return c.static_files.Serve("index.html"); }

Reply StaticFile(ApiContext& c, const RequestView& r) { return c.static_files.Serve(r.path.at("path")); }

}  // namespace autotune::web
