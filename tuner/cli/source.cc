#include "tuner/cli/source.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "db/sqlite_store.h"
#include "tuner/coordinator/lineage.h"
#include "tuner/coordinator/study_service.h"

namespace autotune {
namespace {

using nlohmann::json;

class StoreSource : public QuerySource {
 public:
  StoreSource(std::unique_ptr<Store> store, std::string path)
      : store_(std::move(store)), path_(std::move(path)) {}

  StatusOr<std::vector<web::StudyView>> Studies() override {
    AT_ASSIGN_OR_RETURN(auto studies, store_->ListStudies());
    std::vector<web::StudyView> out;
    for (const auto& s : studies) {
      AT_ASSIGN_OR_RETURN(auto view, web::LoadStudyView(*store_, s));
      out.push_back(std::move(view));
    }
    return out;
  }
  StatusOr<web::StudyView> Study(const std::string& name) override {
    AT_ASSIGN_OR_RETURN(auto found, store_->FindStudy(name));
    if (!found) return Status::NotFound("no study named '" + name + "' in " + path_);
    return web::LoadStudyView(*store_, *found);
  }
  StatusOr<web::StudyView> StudyById(std::int64_t id) override {
    AT_ASSIGN_OR_RETURN(auto study, store_->GetStudy(id));
    return web::LoadStudyView(*store_, study);
  }
  StatusOr<std::vector<TrialRecord>> Trials(const web::StudyView& study,
                                            std::optional<TrialState> state) override {
    AT_ASSIGN_OR_RETURN(auto trials, store_->ListTrials(study.study.id));
    if (state) std::erase_if(trials, [&](const TrialRecord& t) { return t.state != *state; });
    return trials;
  }
  StatusOr<TrialRecord> Trial(std::int64_t id) override { return store_->GetTrial(id); }
  StatusOr<std::vector<SegmentRecord>> Segments(std::int64_t trial_id) override {
    return store_->ListSegments(trial_id);
  }
  StatusOr<json> Schedule(std::int64_t trial_id) override {
    AT_ASSIGN_OR_RETURN(TrialRecord trial, store_->GetTrial(trial_id));
    AT_ASSIGN_OR_RETURN(StudyRecord study, store_->GetStudy(trial.study_id));
    auto spec = StudyService::StoredSpec(study);
    AT_ASSIGN_OR_RETURN(LearnedSchedule schedule, LearnedScheduleOf(*store_, trial_id));
    return web::ScheduleJson(schedule, trial, spec.ok() && spec->trial ? spec->trial->max_steps : 0);
  }

 private:
  std::unique_ptr<Store> store_;
  std::string path_;
};

// Parses a 2xx answer's body as JSON.
StatusOr<json> JsonOf(const StatusOr<web::HttpResult>& r) {
  if (!r.ok()) return r.status();
  AT_RETURN_IF_ERROR(StatusOfReply(*r));
  json j = json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return Status::Internal("the server's answer is not JSON");
  return j;
}

class ServerSource : public QuerySource {
 public:
  explicit ServerSource(std::unique_ptr<web::HttpClient> client) : client_(std::move(client)) {}

  StatusOr<std::vector<web::StudyView>> Studies() override {
    return AllPages<web::StudyView>("/api/v1/studies?limit=1000", "studies", web::StudyViewFromJson);
  }
  StatusOr<web::StudyView> Study(const std::string& name) override {
    AT_ASSIGN_OR_RETURN(json j, FindStudyJson(*client_, name));
    return web::StudyViewFromJson(j);
  }
  StatusOr<web::StudyView> StudyById(std::int64_t id) override {
    AT_ASSIGN_OR_RETURN(json j, JsonOf(client_->Get("/api/v1/studies/" + std::to_string(id))));
    return web::StudyViewFromJson(j);
  }
  StatusOr<std::vector<TrialRecord>> Trials(const web::StudyView& study,
                                            std::optional<TrialState> state) override {
    return AllPages<TrialRecord>("/api/v1/studies/" + std::to_string(study.study.id) + "/trials?limit=1000" +
                                     (state ? std::string("&state=") + ToString(*state) : ""),
                                 "trials", web::TrialFromJson);
  }
  StatusOr<TrialRecord> Trial(std::int64_t id) override {
    AT_ASSIGN_OR_RETURN(json j, JsonOf(client_->Get("/api/v1/trials/" + std::to_string(id))));
    segments_.clear();
    for (const json& s : j.at("segments")) {
      AT_ASSIGN_OR_RETURN(auto segment, web::SegmentFromJson(s));
      segments_.push_back(std::move(segment));
    }
    segments_of_ = id;
    return web::TrialFromJson(j);
  }
  StatusOr<std::vector<SegmentRecord>> Segments(std::int64_t trial_id) override {
    if (segments_of_ != trial_id) AT_RETURN_IF_ERROR(Trial(trial_id).status());
    return segments_;
  }
  StatusOr<json> Schedule(std::int64_t trial_id) override {
    return JsonOf(client_->Get("/api/v1/trials/" + std::to_string(trial_id) + "/schedule"));
  }

 private:
  // Every item of a paged list (target has its query already), decoded.
  template <typename T>
  StatusOr<std::vector<T>> AllPages(const std::string& target, const std::string& key,
                                    StatusOr<T> (*decode)(const json&)) {
    std::vector<T> out;
    std::string cursor;
    do {
      AT_ASSIGN_OR_RETURN(json page, JsonOf(client_->Get(target + cursor)));
      for (const json& item : page.at(key)) {
        AT_ASSIGN_OR_RETURN(T decoded, decode(item));
        out.push_back(std::move(decoded));
      }
      cursor = page["next_cursor"].is_string() ? "&cursor=" + page["next_cursor"].get<std::string>() : "";
    } while (!cursor.empty());
    return out;
  }

  std::unique_ptr<web::HttpClient> client_;
  std::int64_t segments_of_ = 0;  // the trial detail answer carries its segments
  std::vector<SegmentRecord> segments_;
};

}  // namespace

std::string TokenFor(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("AUTOTUNE_TOKEN");
  return env ? env : "";
}

Status StatusOfReply(const web::HttpResult& r) {
  if (r.status >= 200 && r.status < 300) return Status::Ok();
  std::string message = "HTTP " + std::to_string(r.status), field;
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_discarded() && j.contains("error") && j["error"].is_object()) {
    const json& e = j["error"];
    if (e.contains("message") && e["message"].is_string()) message = e["message"].get<std::string>();
    if (e.contains("field") && e["field"].is_string()) field = e["field"].get<std::string>();
  }
  switch (r.status) {
    case 400:
      return Status::InvalidArgument(message, field);
    case 401:
      return Status::InvalidArgument(message + " (give --token or set AUTOTUNE_TOKEN)");
    case 404:
      return Status::NotFound(message);
    case 409:
      return Status::FailedPrecondition(message);
    case 503:
      return Status::Unavailable(message);
    default:
      return Status::Internal(message);
  }
}

StatusOr<json> FindStudyJson(web::HttpClient& client, const std::string& name) {
  std::string query = "/api/v1/studies?name=";
  for (unsigned char c : name) {  // names are [A-Za-z0-9._-], but encode anything else
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.')
      query += static_cast<char>(c);
    else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      query += buf;
    }
  }
  AT_ASSIGN_OR_RETURN(json page, JsonOf(client.Get(query)));
  if (page.at("studies").empty()) return Status::NotFound("no study named '" + name + "' on the server");
  const std::int64_t id = page["studies"][0].at("id").get<std::int64_t>();
  return JsonOf(client.Get("/api/v1/studies/" + std::to_string(id)));
}

StatusOr<std::unique_ptr<QuerySource>> OpenQuerySource(const QueryArgs& args) {
  if (!args.server.empty()) {
    AT_ASSIGN_OR_RETURN(auto url, web::ParseServerUrl(args.server));
    web::ClientOptions options;
    options.token = TokenFor(args.token);
    return std::unique_ptr<QuerySource>(
        std::make_unique<ServerSource>(std::make_unique<web::HttpClient>(url, options)));
  }
  std::ifstream probe(args.db_path);
  if (!probe) return Status::NotFound("no store at '" + args.db_path + "' (give --db PATH)");
  StoreOptions options;
  options.read_only = true;
  AT_ASSIGN_OR_RETURN(auto store, OpenSqliteStore(args.db_path, options));
  return std::unique_ptr<QuerySource>(std::make_unique<StoreSource>(std::move(store), args.db_path));
}

}  // namespace autotune
