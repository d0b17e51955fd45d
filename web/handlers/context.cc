#include "web/handlers/context.h"

#include <charconv>
#include <limits>

#include "web/views.h"

namespace autotune::web {
namespace {

// A decimal integer that fills the whole text.
std::optional<std::int64_t> ParseInt(const std::string& text) {
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return v;
}

}  // namespace

Status ApiContext::StartStudy(std::int64_t study_id) {
  return service.Start(study_id, [this, study_id](const Status& s, StudyState state) {
    if (on_study_done) on_study_done(study_id, s, state);
  });
}

StatusOr<std::int64_t> PathId(const RequestView& r, const std::string& name, const std::string& what) {
  auto it = r.path.find(name);
  const std::string text = it == r.path.end() ? "" : it->second;
  auto id = ParseInt(text);
  if (!id || *id <= 0) return Status::NotFound("no " + what + " with id '" + text + "'");
  return *id;
}

StatusOr<Page> ParsePage(const RequestView& r, const ApiOptions& options) {
  Page page;
  page.limit = options.default_page;
  if (auto limit = r.Query("limit")) {
    auto v = ParseInt(*limit);
    if (!v || *v < 1 || *v > options.max_page) {
      return Status::InvalidArgument("must be an integer in [1, " + std::to_string(options.max_page) + "]",
                                     "limit");
    }
    page.limit = static_cast<int>(*v);
  }
  if (auto cursor = r.Query("cursor")) {
    auto v = ParseInt(*cursor);
    if (!v || *v < 0) return Status::InvalidArgument("is not a cursor this API returned", "cursor");
    page.cursor = *v;
  }
  return page;
}

StatusOr<std::optional<std::string>> QueryWord(const RequestView& r, const std::string& name) {
  auto v = r.Query(name);
  if (v && v->empty()) return Status::InvalidArgument("must not be empty", name);
  return v;
}

StatusOr<std::int64_t> QueryInt(const RequestView& r, const std::string& name, std::int64_t low,
                                std::int64_t high, std::int64_t fallback) {
  auto text = r.Query(name);
  if (!text) return fallback;
  auto v = ParseInt(*text);
  if (!v || *v < low || *v > high)
    return Status::InvalidArgument(
        "must be an integer in [" + std::to_string(low) + ", " + std::to_string(high) + "]", name);
  return *v;
}

StatusOr<TrialQuery> ParseTrialQuery(const RequestView& r, const ApiOptions& options) {
  AT_ASSIGN_OR_RETURN(Page page, ParsePage(r, options));
  AT_ASSIGN_OR_RETURN(auto state_word, QueryWord(r, "state"));
  TrialQuery q;
  q.limit = page.limit;
  if (page.cursor) {
    if (*page.cursor > std::numeric_limits<int>::max())
      return Status::InvalidArgument("is not a cursor this API returned", "cursor");
    q.after_number = static_cast<int>(*page.cursor);
  }
  if (state_word) {
    TrialState state;
    if (!ParseTrialState(*state_word, &state))
      return Status::InvalidArgument("must be one of pending, running, paused, completed, pruned, failed",
                                     "state");
    q.state = state;
  }
  return q;
}

std::optional<std::int64_t> TrialPage::next_cursor() const {
  if (static_cast<int>(trials.size()) < query.limit || trials.empty()) return std::nullopt;
  return trials.back().number;
}

StatusOr<TrialPage> ReadTrialPage(ApiContext& c, const RequestView& r) {
  AT_ASSIGN_OR_RETURN(std::int64_t id, PathId(r, "id", "study"));
  TrialPage page;
  AT_ASSIGN_OR_RETURN(page.query, ParseTrialQuery(r, c.options));
  AT_ASSIGN_OR_RETURN(page.study, c.store.GetStudy(id));  // 404 for an unknown study, not an empty page
  AT_ASSIGN_OR_RETURN(page.trials, c.store.ListTrialsPage(id, page.query));
  return page;
}

StatusOr<std::int64_t> LatestEventId(Store& store, std::int64_t study_id) {
  // lo: 0 or one of the study's event ids, never above the latest; hi: no
  // event of the study has a larger id.
  std::int64_t lo = 0, hi = std::numeric_limits<std::int64_t>::max();
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    AT_ASSIGN_OR_RETURN(auto after, store.ListEvents(study_id, mid, 1));
    if (after.empty()) {
      hi = mid;
    } else {
      lo = after.front().id;
    }
  }
  return lo;
}

StatusOr<nlohmann::json> JsonBody(const Request& request, bool allow_empty) {
  if (allow_empty && request.body().find_first_not_of(" \t\r\n") == std::string::npos)
    return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(request.body(), nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("the request body is not valid JSON", "body");
  if (!j.is_object()) return Status::InvalidArgument("the request body must be a JSON object", "body");
  return j;
}

Reply PageReply(const std::string& key, nlohmann::json items, std::optional<std::int64_t> next_cursor) {
  nlohmann::json j = {
      {key, std::move(items)},
      {"next_cursor", next_cursor ? nlohmann::json(std::to_string(*next_cursor)) : nlohmann::json(nullptr)}};
  return JsonReply(Dump(j));
}

}  // namespace autotune::web
