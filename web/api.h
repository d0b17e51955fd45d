// Api: the REST API v1 as a function of the request. It checks the bearer
// token, routes (web/router.h) and runs the handlers (web/handlers/); no
// socket is involved, so tests call Handle directly. Never throws: an
// exception a handler lets out becomes a 500 reply. Runs on the io_context's
// thread (the StudyService's).
//
// Auth: with a token, every request to /api/... and /metrics needs
// `Authorization: Bearer <token>` (401 otherwise); /healthz and the
// dashboard's files are public (they hold no data).
#pragma once

#include <string>
#include <vector>

#include "web/handlers/context.h"
#include "web/router.h"

namespace autotune::web {

class Api {
 public:
  Api(Store& store, StudyService& service, ServerMetrics& metrics, ApiOptions options);
  Reply Handle(const Request& request);

  // Starts every study the store holds as running (running their trial
  // programs, or serving their ask/tell): what `autotune serve` does first.
  // Returns one message per study that could not start (another process
  // owns it, ...).
  std::vector<std::string> ResumeStudies();

  const Router& router() const { return router_; }
  ApiContext& context() { return ctx_; }

 private:
  bool Authorized(const Request& request) const;

  ApiContext ctx_;
  Router router_;
};

// Whether the Authorization header carries `token` (compared in constant
// time).
bool BearerMatches(const Request& request, const std::string& token);

}  // namespace autotune::web
