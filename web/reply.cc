#include "web/reply.h"

#include <nlohmann/json.hpp>

namespace autotune::web {

Reply ErrorReply(http::status status, const std::string& code, const std::string& message,
                 const std::string& field) {
  nlohmann::json error = {{"code", code},
                          {"message", message},
                          {"field", field.empty() ? nlohmann::json(nullptr) : nlohmann::json(field)}};
  Reply r = JsonReply(
      nlohmann::json{{"error", error}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      status);
  return r;
}

Reply ErrorReply(const Status& s) {
  using C = Status::Code;
  switch (s.code()) {
    case C::kInvalidArgument:
      return ErrorReply(http::status::bad_request, "invalid_argument", s.message(), s.field());
    case C::kNotFound:
      return ErrorReply(http::status::not_found, "not_found", s.message(), s.field());
    case C::kAlreadyExists:
    case C::kFailedPrecondition:
    case C::kCancelled:
      return ErrorReply(http::status::conflict, "conflict", s.message(), s.field());
    case C::kUnavailable: {
      Reply r = ErrorReply(http::status::service_unavailable, "unavailable", s.message(), s.field());
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    case C::kOk:
    case C::kInternal:
      break;
  }
  return ErrorReply(http::status::internal_server_error, "internal", s.ok() ? "no error" : s.message(),
                    s.field());
}

Reply JsonReply(std::string body, http::status status) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace autotune::web
