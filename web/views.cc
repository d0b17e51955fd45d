#include "web/views.h"

#include "tuner/coordinator/checkpoints.h"

#include "tuner/coordinator/study_service.h"
#include "tuner/core/spec_json.h"

namespace autotune::web {
namespace {

using nlohmann::json;

// Reads a JSON body that must have a shape; json's exceptions (missing keys,
// wrong types) become InvalidArgument.
template <typename T, typename Fn>
StatusOr<T> Decode(const char* what, Fn fn) {
  try {
    return fn();
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("unexpected ") + what +
                                   " in the server's answer: " + e.what());
  }
}

std::optional<double> OptionalDouble(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<double>();
}

std::optional<std::int64_t> OptionalId(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<std::int64_t>();
}

template <typename E>
E ParseEnum(const json& j, const char* key, bool (*parse)(const std::string&, E*)) {
  E e{};
  const std::string s = j.at(key).get<std::string>();
  if (!parse(s, &e)) throw json::other_error::create(501, std::string(key) + " '" + s + "' is unknown", &j);
  return e;
}

Params ParamsOrThrow(const json& j) {
  auto p = ParamsFromJsonValue(j);
  if (!p.ok()) throw json::other_error::create(501, p.status().ToString(), &j);
  return *p;
}

}  // namespace

int StudyView::total() const {
  int n = 0;
  for (int c : counts) n += c;
  return n;
}

StatusOr<StudyView> LoadStudyView(Store& store, const StudyRecord& study) {
  StudyView v;
  v.study = study;
  auto spec = StudyService::StoredSpec(study);
  if (spec.ok()) {  // a spec this build cannot read still lists with defaults
    v.objective = spec->objective;
    v.searcher = spec->searcher.algorithm;
    v.scheduler = spec->scheduler ? spec->scheduler->algorithm : "none";
    v.budget = spec->budget;
  }
  AT_ASSIGN_OR_RETURN(v.counts, store.CountTrials(study.id));
  AT_ASSIGN_OR_RETURN(v.best, store.BestTrial(study.id, v.objective.mode));
  AT_ASSIGN_OR_RETURN(v.attributes, store.StudyAttributes(study.id));
  AT_ASSIGN_OR_RETURN(auto live, store.ListLiveCheckpoints(study.id));
  v.live_checkpoints = static_cast<int>(live.size());
  for (const auto& c : live) v.checkpoint_bytes += CheckpointKeeper::DiskUse(c.path);
  return v;
}

json ParamsJson(const Params& params) {
  json j = json::object();
  for (const auto& [k, v] : params) j[k] = std::visit([](const auto& x) { return json(x); }, v);
  return j;
}

json OptionalJson(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json OptionalJson(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

json CountsJson(const std::array<int, 6>& counts) {
  json j = json::object();
  for (int i = 0; i < 6; ++i)
    if (counts[i] > 0) j[ToString(static_cast<TrialState>(i))] = counts[i];
  return j;
}

json StudySummaryJson(const StudyView& v) {
  return {{"id", v.study.id},
          {"name", v.study.name},
          {"state", ToString(v.study.state)},
          {"trials", v.total()},
          {"counts", CountsJson(v.counts)},
          {"metric", v.objective.metric},
          {"best_value", v.best ? OptionalJson(v.best->value) : json(nullptr)},
          {"best_trial_id", v.best ? json(v.best->id) : json(nullptr)}};
}

json StudyDetailJson(const StudyView& v) {
  return {{"id", v.study.id},
          {"name", v.study.name},
          {"state", ToString(v.study.state)},
          {"spec", json::parse(v.study.spec_json, nullptr, false)},
          {"counts", CountsJson(v.counts)},
          {"attributes", v.attributes},
          {"checkpoints", {{"live", v.live_checkpoints}, {"bytes", v.checkpoint_bytes}}},
          {"best", v.best ? BestJson(*v.best) : json(nullptr)}};
}

json ScheduleJson(const LearnedSchedule& schedule, const TrialRecord& trial, std::int64_t max_steps) {
  json steps = json::array(), lineage = json::array();
  for (const auto& e : schedule.entries) {
    if (steps.empty() || steps.back()["params"] != ParamsJson(e.params))
      steps.push_back({{"step", e.step}, {"params", ParamsJson(e.params)}});
    if (lineage.empty() || lineage.back()["trial_id"] != e.trial_id)
      lineage.push_back({{"step", e.step}, {"trial_id", e.trial_id}});
  }
  return {{"trial_id", schedule.trial_id}, {"value", OptionalJson(trial.value)}, {"step", schedule.end_step},
          {"max_steps", max_steps},        {"schedule", steps},                   {"lineage", lineage}};
}

json BestJson(const TrialRecord& t) {
  return {{"trial_id", t.id},
          {"value", OptionalJson(t.value)},
          {"params", ParamsJson(t.params)},
          {"step", t.step}};
}

json TrialJson(const TrialRecord& t) {
  return {{"trial_id", t.id},
          {"number", t.number},
          {"study_id", t.study_id},
          {"state", ToString(t.state)},
          {"value", OptionalJson(t.value)},
          {"step", t.step},
          {"params", ParamsJson(t.params)},
          {"parent_id", OptionalJson(t.parent_id)},
          {"generation", t.generation},
          {"checkpoint", t.checkpoint},
          {"error", t.error}};
}

json SegmentJson(const SegmentRecord& s) {
  return {{"segment_id", s.id},
          {"step_begin", s.step_begin},
          {"step_end", s.step_end},
          {"attempt", s.attempt},
          {"state", ToString(s.state)},
          {"exit_code", s.exit_code},
          {"value", OptionalJson(s.value)},
          {"params", ParamsJson(s.params)},
          {"resume_from", s.resume_from},
          {"source_trial_id", OptionalJson(s.source_trial_id)},
          {"checkpoint_dir", s.checkpoint_dir},
          {"error", s.error},
          {"log_tail", s.log_tail}};
}

json MetricPointJson(const MetricPoint& p) { return {{"step", p.step}, {"metrics", p.values}}; }

json EventJson(const EventRecord& e) {
  return {{"id", e.id},     {"study_id", e.study_id}, {"trial_id", OptionalJson(e.trial_id)},
          {"kind", e.kind}, {"detail", e.detail},     {"time", e.time}};
}

json ProgressJson(const Progress& p) {
  return {{"completed", p.completed},
          {"running", p.running},
          {"pending", p.pending},
          {"failed", p.failed},
          {"paused", p.paused},
          {"pruned", p.pruned},
          {"total", p.total},
          {"best_value", OptionalJson(p.best_value)},
          {"best_trial_id", OptionalJson(p.best_trial_id)},
          {"elapsed_s", p.elapsed_s},
          {"eta_s", p.eta_s < 0 ? json(nullptr) : json(p.eta_s)}};
}

StatusOr<Params> ParamsFromJsonValue(const json& j) {
  if (!j.is_object()) return Status::InvalidArgument("must be an object", "params");
  return ParamsFromJson(Dump(j));
}

StatusOr<StudyView> StudyViewFromJson(const json& j) {
  return Decode<StudyView>("study", [&] {
    StudyView v;
    v.study.id = j.at("id").get<std::int64_t>();
    v.study.name = j.at("name").get<std::string>();
    v.study.state = ParseEnum<StudyState>(j, "state", ParseStudyState);
    for (auto it = j.at("counts").begin(); it != j.at("counts").end(); ++it) {
      TrialState s;
      if (ParseTrialState(it.key(), &s)) v.counts[static_cast<int>(s)] = it->get<int>();
    }
    if (j.contains("spec") && j["spec"].is_object()) {
      v.study.spec_json = Dump(j["spec"]);
      if (auto spec = StudyService::StoredSpec(v.study); spec.ok()) {
        v.objective = spec->objective;
        v.searcher = spec->searcher.algorithm;
        v.scheduler = spec->scheduler ? spec->scheduler->algorithm : "none";
      }
    }
    if (j.contains("metric")) v.objective.metric = j["metric"].get<std::string>();
    if (j.contains("mode"))
      v.objective.mode = j["mode"].get<std::string>() == "max" ? Mode::kMax : Mode::kMin;
    if (j.contains("attributes")) v.attributes = j["attributes"].get<std::map<std::string, std::string>>();
    if (j.contains("checkpoints") && j["checkpoints"].is_object()) {
      v.live_checkpoints = j["checkpoints"].value("live", 0);
      v.checkpoint_bytes = j["checkpoints"].value("bytes", std::int64_t{0});
    }
    if (j.contains("best") && j["best"].is_object()) {
      const json& b = j["best"];
      TrialRecord t;
      t.id = b.at("trial_id").get<std::int64_t>();
      t.study_id = v.study.id;
      t.state = TrialState::kCompleted;
      t.value = OptionalDouble(b, "value");
      t.params = ParamsOrThrow(b.at("params"));
      t.step = b.at("step").get<std::int64_t>();
      v.best = t;
    } else if (auto best_id = OptionalId(j, "best_trial_id")) {
      TrialRecord t;
      t.id = *best_id;
      t.study_id = v.study.id;
      t.state = TrialState::kCompleted;
      t.value = OptionalDouble(j, "best_value");
      v.best = t;
    }
    return v;
  });
}

StatusOr<TrialRecord> TrialFromJson(const json& j) {
  return Decode<TrialRecord>("trial", [&] {
    TrialRecord t;
    t.id = j.at("trial_id").get<std::int64_t>();
    t.number = j.at("number").get<int>();
    t.study_id = j.at("study_id").get<std::int64_t>();
    t.state = ParseEnum<TrialState>(j, "state", ParseTrialState);
    t.value = OptionalDouble(j, "value");
    t.step = j.at("step").get<std::int64_t>();
    t.params = ParamsOrThrow(j.at("params"));
    t.parent_id = OptionalId(j, "parent_id");
    t.generation = j.at("generation").get<int>();
    t.checkpoint = j.at("checkpoint").get<std::string>();
    t.error = j.at("error").get<std::string>();
    return t;
  });
}

StatusOr<SegmentRecord> SegmentFromJson(const json& j) {
  return Decode<SegmentRecord>("segment", [&] {
    SegmentRecord s;
    s.id = j.at("segment_id").get<std::int64_t>();
    s.step_begin = j.at("step_begin").get<std::int64_t>();
    s.step_end = j.at("step_end").get<std::int64_t>();
    s.attempt = j.at("attempt").get<int>();
    s.state = ParseEnum<SegmentState>(j, "state", ParseSegmentState);
    s.exit_code = j.at("exit_code").get<int>();
    s.value = OptionalDouble(j, "value");
    s.params = ParamsOrThrow(j.at("params"));
    s.resume_from = j.at("resume_from").get<std::string>();
    s.source_trial_id = OptionalId(j, "source_trial_id");
    s.checkpoint_dir = j.at("checkpoint_dir").get<std::string>();
    s.error = j.at("error").get<std::string>();
    s.log_tail = j.at("log_tail").get<std::string>();
    return s;
  });
}

std::string Dump(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace autotune::web
