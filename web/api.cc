#include "web/api.h"

#include <boost/url/parse.hpp>
#include <exception>

namespace autotune::web {

Api::Api(Store& store, StudyService& service, ServerMetrics& metrics, ApiOptions options)
    : ctx_{store, service, metrics, options, StaticFiles(options.static_dir), nullptr} {
  using http::verb;
  auto bind = [this](Reply (*fn)(ApiContext&, const RequestView&)) {
    return [this, fn](const RequestView& r) { return fn(ctx_, r); };
  };
  router_.Add(verb::post, "/api/v1/studies", bind(SubmitStudy));
  router_.Add(verb::get, "/api/v1/studies", bind(ListStudies));
  router_.Add(verb::get, "/api/v1/studies/{id}", bind(GetStudy));
  router_.Add(verb::post, "/api/v1/studies/{id}/stop", bind(StopStudy));
  router_.Add(verb::get, "/api/v1/studies/{id}/trials", bind(ListTrials));
  router_.Add(verb::post, "/api/v1/studies/{id}/ask", bind(AskTrial));
  router_.Add(verb::get, "/api/v1/studies/{id}/events", bind(StudyEvents));
  router_.Add(verb::get, "/api/v1/studies/{id}/curves", bind(StudyCurves));
  router_.Add(verb::get, "/api/v1/studies/{id}/lineage", bind(StudyLineage));
  router_.Add(verb::get, "/api/v1/trials/{id}", bind(GetTrial));
  router_.Add(verb::get, "/api/v1/trials/{id}/metrics", bind(GetTrialMetrics));
  router_.Add(verb::get, "/api/v1/trials/{id}/schedule", bind(GetTrialSchedule));
  router_.Add(verb::get, "/api/v1/trials/{id}/lineage", bind(TrialLineage));
  router_.Add(verb::post, "/api/v1/trials/{id}/tell", bind(TellTrial));
  router_.Add(verb::get, "/api/v1/openapi.json", bind(OpenApi));
  router_.Add(verb::get, "/healthz", bind(Healthz));
  router_.Add(verb::get, "/metrics", bind(PrometheusMetrics));
  router_.Add(verb::get, "/", bind(Dashboard));
  router_.Add(verb::get, "/studies/{id}", bind(Dashboard));
  router_.Add(verb::get, "/static/{path*}", bind(StaticFile));
}

bool BearerMatches(const Request& request, const std::string& token) {
  auto it = request.find(http::field::authorization);
  if (it == request.end()) return false;
  const std::string_view value = it->value();
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i)  // the scheme is case-insensitive
    if (std::tolower(static_cast<unsigned char>(value[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i])))
      return false;
  const std::string_view given = value.substr(kScheme.size());
  // Constant time in the token's content: every byte is compared.
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (std::size_t i = 0; i < token.size(); ++i)
    diff |= static_cast<unsigned char>(token[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

bool Api::Authorized(const Request& request) const {
  if (!ctx_.options.token) return true;
  return BearerMatches(request, *ctx_.options.token);
}

Reply Api::Handle(const Request& request) {
  try {
    auto url = boost::urls::parse_origin_form(request.target());
    if (!url) {
      return ErrorReply(http::status::bad_request, "invalid_argument",
                        "the request target is not a valid path: " + url.error().message(), "target");
    }
    // Decided on the decoded path, as the router matches it ("/%61pi/..." is /api/...).
    const auto segments = url->segments();
    const std::string first = segments.empty() ? "" : std::string(*segments.begin());
    const bool protected_path = first == "api" || (first == "metrics" && segments.size() == 1);
    if (protected_path && !Authorized(request)) {
      Reply r = ErrorReply(http::status::unauthorized, "unauthorized",
                           request.find(http::field::authorization) == request.end()
                               ? "this server needs an Authorization: Bearer <token> header"
                               : "the bearer token is not this server's");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"autotune\"");
      return r;
    }
    if (ctx_.options.read_only && first == "api" && request.method() != http::verb::get &&
        request.method() != http::verb::head) {
      return ErrorReply(http::status::conflict, "read_only",
                        "this is the read-only dashboard of `autotune run`; submit, stop, ask and tell "
                        "through `autotune serve`");
    }
    return router_.Dispatch(request, *url);
  } catch (const std::exception& e) {
    return ErrorReply(http::status::internal_server_error, "internal",
                      std::string("unexpected error: ") + e.what());
  } catch (...) {
    return ErrorReply(http::status::internal_server_error, "internal", "unexpected error");
  }
}

std::vector<std::string> Api::ResumeStudies() {
  std::vector<std::string> problems;
  auto studies = ctx_.store.ListStudies();
  if (!studies.ok()) return {studies.status().ToString()};
  for (const StudyRecord& s : *studies) {
    if (s.state != StudyState::kRunning || ctx_.service.IsRunning(s.id)) continue;
    Status started = ctx_.StartStudy(s.id);
    if (!started.ok()) problems.push_back("study '" + s.name + "' not resumed: " + started.ToString());
  }
  return problems;
}

}  // namespace autotune::web
