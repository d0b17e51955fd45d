#include "web/handlers/context.h"

#include <charconv>

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
