// Where the query commands (ls, show, trials, trial, best, export) read
// from: a store file opened read-only (`--db`) or a server's REST API
// (`--server`). Both give the same views (web/views.h), which the commands
// render the same way, so the output does not depend on the source.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tuner/cli/commands.h"
#include "web/client.h"
#include "web/views.h"

namespace autotune {

class QuerySource {
 public:
  virtual ~QuerySource() = default;
  virtual StatusOr<std::vector<web::StudyView>> Studies() = 0;
  // NotFound saying where it looked when no study has that name.
  virtual StatusOr<web::StudyView> Study(const std::string& name) = 0;
  virtual StatusOr<web::StudyView> StudyById(std::int64_t id) = 0;
  // The study's trials by number, all or those in one state.
  virtual StatusOr<std::vector<TrialRecord>> Trials(const web::StudyView& study,
                                                    std::optional<TrialState> state) = 0;
  virtual StatusOr<TrialRecord> Trial(std::int64_t id) = 0;
  virtual StatusOr<std::vector<SegmentRecord>> Segments(std::int64_t trial_id) = 0;
  // A trial's learned schedule (web::ScheduleJson's shape).
  virtual StatusOr<nlohmann::json> Schedule(std::int64_t trial_id) = 0;
};

// --server when given, else --db (which must exist).
StatusOr<std::unique_ptr<QuerySource>> OpenQuerySource(const QueryArgs& args);

// A server's answer as a Status: its error's message (and field) with the
// code its HTTP status stands for; OK for 2xx.
Status StatusOfReply(const web::HttpResult& r);

// The API's JSON for the study named `name` on the server (the detail view).
StatusOr<nlohmann::json> FindStudyJson(web::HttpClient& client, const std::string& name);

// The token for a server: --token, else the AUTOTUNE_TOKEN variable.
std::string TokenFor(const std::string& flag);

}  // namespace autotune
