// POST /api/v1/studies/{id}/ask and POST /api/v1/trials/{id}/tell.
#include <cmath>

#include "web/handlers/context.h"
#include "web/views.h"

namespace autotune::web {
namespace {

using nlohmann::json;

// The tell body: {"value": v [, "step": n]}, {"step": n, "metrics": {...}},
// {"state": "failed" [, "error": "..."]} or {"state": "completed", "value": v}.
StatusOr<TellRequest> ParseTell(const json& j) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k != "value" && k != "step" && k != "metrics" && k != "state" && k != "error")
      return Status::InvalidArgument("is not a known field", k);
  }
  TellRequest t;
  if (j.contains("step")) {
    if (!j["step"].is_number_integer() || j["step"].get<std::int64_t>() < 0)
      return Status::InvalidArgument("must be an integer >= 0", "step");
    t.step = j["step"].get<std::int64_t>();
  }
  std::string state = j.contains("metrics") && !j.contains("value") ? "" : "completed";
  if (j.contains("state")) {
    if (!j["state"].is_string()) return Status::InvalidArgument("must be completed or failed", "state");
    state = j["state"].get<std::string>();
    if (state != "completed" && state != "failed")
      return Status::InvalidArgument("must be completed or failed", "state");
  }
  if (j.contains("error")) {
    if (!j["error"].is_string()) return Status::InvalidArgument("must be a string", "error");
    if (state != "failed") return Status::InvalidArgument("goes with \"state\": \"failed\" only", "error");
    t.error = j["error"].get<std::string>();
  }
  if (state == "failed") {
    if (j.contains("value") || j.contains("metrics"))
      return Status::InvalidArgument("a failed trial has no value; report metrics before failing it",
                                     j.contains("value") ? "value" : "metrics");
    t.kind = TellRequest::Kind::kFail;
    return t;
  }
  if (state == "completed") {
    if (j.contains("metrics"))
      return Status::InvalidArgument("give either metrics (a report) or value (the result), not both",
                                     "metrics");
    if (!j.contains("value")) return Status::InvalidArgument("is required", "value");
    if (!j["value"].is_number() || !std::isfinite(j["value"].get<double>()))
      return Status::InvalidArgument("must be a finite number", "value");
    t.kind = TellRequest::Kind::kComplete;
    t.value = j["value"].get<double>();
    return t;
  }
  // A report of one step.
  t.kind = TellRequest::Kind::kReport;
  if (!t.step) return Status::InvalidArgument("is required with metrics", "step");
  const json& m = j["metrics"];
  if (!m.is_object() || m.empty())
    return Status::InvalidArgument("must be a non-empty object of numbers", "metrics");
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (!it->is_number() || !std::isfinite(it->get<double>()))
      return Status::InvalidArgument("must be a finite number", "metrics." + it.key());
    t.metrics[it.key()] = it->get<double>();
  }
  return t;
}

}  // namespace

Reply AskTrial(ApiContext& c, const RequestView& r) {
  auto id = PathId(r, "id", "study");
  if (!id.ok()) return ErrorReply(id.status());
  auto body = JsonBody(r.request, true);
  if (!body.ok()) return ErrorReply(body.status());
  if (!body->empty()) return ErrorReply(Status::InvalidArgument("ask takes no fields", body->begin().key()));
  auto trial = c.service.Ask(*id);
  if (!trial.ok()) return ErrorReply(trial.status());
  json j = {{"trial_id", trial->id},
            {"study_id", trial->study_id},
            {"number", trial->number},
            {"params", ParamsJson(trial->params)}};
  return JsonReply(Dump(j));
}

Reply TellTrial(ApiContext& c, const RequestView& r) {
  auto id = PathId(r, "id", "trial");
  if (!id.ok()) return ErrorReply(id.status());
  auto body = JsonBody(r.request);
  if (!body.ok()) return ErrorReply(body.status());
  auto tell = ParseTell(*body);
  if (!tell.ok()) return ErrorReply(tell.status());
  auto trial = c.service.Tell(*id, *tell);
  if (!trial.ok()) return ErrorReply(trial.status());
  json j = {{"trial_id", trial->id},
            {"state", ToString(trial->state)},
            {"value", OptionalJson(trial->value)},
            {"step", trial->step}};
  return JsonReply(Dump(j));
}

}  // namespace autotune::web
