// What a request handler returns: a status, a body and its headers, as a
// plain value so handlers are pure functions of (request, context) that tests
// call without a socket. The server turns a Reply into an HTTP response (or,
// for an event stream, into a stream of server-sent events).
#pragma once

#include <boost/beast/http.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tuner/core/status.h"

namespace autotune::web {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;

// A reply that turns into a server-sent event stream of a study's events,
// starting after event `after_id`.
struct EventStreamStart {
  std::int64_t study_id = 0;
  std::int64_t after_id = 0;
};

struct Reply {
  http::status status = http::status::ok;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Allow, Retry-After, WWW-Authenticate, ...
  std::optional<EventStreamStart> stream;
  std::string route;  // the route pattern that matched, for metrics ("" when none did)

  int code() const { return static_cast<int>(status); }
  const std::string* Header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return &v;
    return nullptr;
  }
};

// {"error": {"code", "message", "field"}} with the given status; `code` is a
// short machine-readable word ("not_found", "conflict", ...).
Reply ErrorReply(http::status status, const std::string& code, const std::string& message,
                 const std::string& field = "");
// The HTTP status for a library Status: InvalidArgument 400, NotFound 404,
// AlreadyExists and FailedPrecondition 409, Unavailable 503 (with
// Retry-After), Cancelled 409, anything else 500.
Reply ErrorReply(const Status& status);
// A JSON body (already serialised) with a status.
Reply JsonReply(std::string body, http::status status = http::status::ok);

}  // namespace autotune::web
