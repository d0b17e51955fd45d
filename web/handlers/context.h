// What the REST handlers work with, and the helpers they share for reading
// requests (ids, paging, JSON bodies). Every handler is a function of the
// request and this context and returns a Reply; none throws, none touches
// the file system (the static-file handler reads only under its root).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/store.h"
#include "tuner/coordinator/study_service.h"
#include "web/router.h"
#include "web/static_files.h"

namespace autotune::web {

class ServerMetrics;

struct ApiOptions {
  // Relative paths in the trial.command of submitted specs resolve against
  // this folder ("" = the server's working directory).
  std::string spec_base_dir;
  // The bearer token requests to /api/ and /metrics must carry; unset: no
  // auth (only allowed on loopback, which `autotune serve` enforces).
  std::optional<std::string> token;
  std::string static_dir;  // web/static; "" serves no files
  // Only GET: the dashboard of `autotune run`, whose one study is not to be
  // stopped, asked or joined by others through it.
  bool read_only = false;
  int default_page = 100, max_page = 1000;
};

struct ApiContext {
  Store& store;
  StudyService& service;
  ServerMetrics& metrics;
  ApiOptions options;
  StaticFiles static_files;
  // Gets the end of each study the API starts (submitted or resumed).
  std::function<void(std::int64_t study_id, const Status&, StudyState)> on_study_done;

  // service.Start with on_study_done as its done.
  Status StartStudy(std::int64_t study_id);
};

// The {name} placeholder as a positive id; NotFound naming `what` otherwise.
StatusOr<std::int64_t> PathId(const RequestView& r, const std::string& name, const std::string& what);
// limit (1..max_page, default default_page) and cursor (an opaque
// non-negative integer) from the query; InvalidArgument naming the parameter.
struct Page {
  int limit = 100;
  std::optional<std::int64_t> cursor;
};
StatusOr<Page> ParsePage(const RequestView& r, const ApiOptions& options);
// A query parameter that must not be empty when given.
StatusOr<std::optional<std::string>> QueryWord(const RequestView& r, const std::string& name);
// An integer query parameter in [low, high], `fallback` when absent;
// InvalidArgument naming it otherwise.
StatusOr<std::int64_t> QueryInt(const RequestView& r, const std::string& name, std::int64_t low,
                                std::int64_t high, std::int64_t fallback);
// A page of a study's trials by number: ParsePage's limit and cursor (the
// last number seen) and the `state` filter; InvalidArgument naming the
// parameter.
StatusOr<TrialQuery> ParseTrialQuery(const RequestView& r, const ApiOptions& options);
// A page of the {id} study's trials, as the routes that list trials read
// it: NotFound for an unknown study, ParseTrialQuery's errors.
struct TrialPage {
  StudyRecord study;
  TrialQuery query;
  std::vector<TrialRecord> trials;
  // The cursor of the next page: the last number when this page is full.
  std::optional<std::int64_t> next_cursor() const;
};
StatusOr<TrialPage> ReadTrialPage(ApiContext& c, const RequestView& r);
// The body as a JSON object; InvalidArgument (field "body") otherwise. An
// empty body is an empty object when allow_empty.
StatusOr<nlohmann::json> JsonBody(const Request& request, bool allow_empty = false);
// {"items key": [...], "next_cursor": "N" or null}.
Reply PageReply(const std::string& key, nlohmann::json items, std::optional<std::int64_t> next_cursor);

// The id of the study's latest event, 0 when it has none; where a client
// that has just read the study starts following its events. Found by
// bisection over Store::ListEvents (about 63 one-row reads).
StatusOr<std::int64_t> LatestEventId(Store& store, std::int64_t study_id);

// The handlers (web/handlers/*.cc).
Reply SubmitStudy(ApiContext& c, const RequestView& r);
Reply ListStudies(ApiContext& c, const RequestView& r);
Reply GetStudy(ApiContext& c, const RequestView& r);
Reply StopStudy(ApiContext& c, const RequestView& r);
Reply ListTrials(ApiContext& c, const RequestView& r);
Reply GetTrial(ApiContext& c, const RequestView& r);
Reply GetTrialMetrics(ApiContext& c, const RequestView& r);
Reply GetTrialSchedule(ApiContext& c, const RequestView& r);
Reply AskTrial(ApiContext& c, const RequestView& r);
Reply TellTrial(ApiContext& c, const RequestView& r);
Reply StudyEvents(ApiContext& c, const RequestView& r);
Reply Healthz(ApiContext& c, const RequestView& r);
Reply PrometheusMetrics(ApiContext& c, const RequestView& r);
Reply OpenApi(ApiContext& c, const RequestView& r);
Reply Dashboard(ApiContext& c, const RequestView& r);
Reply StaticFile(ApiContext& c, const RequestView& r);
// For the dashboard (web/handlers/lineage.cc, curves.cc).
Reply StudyLineage(ApiContext& c, const RequestView& r);
Reply TrialLineage(ApiContext& c, const RequestView& r);
Reply StudyCurves(ApiContext& c, const RequestView& r);

}  // namespace autotune::web
