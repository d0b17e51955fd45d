// Router: maps (method, path) to a handler. Patterns are literal segments and
// {name} placeholders ("/api/v1/studies/{id}"); a last segment {name*} takes
// the rest of the path (static files). Paths are matched segment by segment
// after percent-decoding, so "%2F" inside a segment never acts as a
// separator. A path that matches no pattern is 404; one that matches with
// another method is 405 with an Allow header.
#pragma once

#include <boost/url/url_view.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "web/reply.h"

namespace autotune::web {

// The request as handlers see it: the message, its parsed target and the
// values of the pattern's placeholders.
struct RequestView {
  const Request& request;
  boost::urls::url_view url;
  std::map<std::string, std::string> path;  // placeholder -> decoded segment(s)

  // A query parameter's decoded value, if present.
  std::optional<std::string> Query(std::string_view name) const;
};

using Handler = std::function<Reply(const RequestView&)>;

struct Route {
  http::verb method;
  std::string pattern;
  Handler handler;
};

class Router {
 public:
  void Add(http::verb method, std::string pattern, Handler handler);
  // Routes `request` (whose target parsed as `url`) and runs its handler;
  // Reply::route is set to the matched pattern.
  Reply Dispatch(const Request& request, boost::urls::url_view url) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  static bool Match(const std::vector<std::string>& pattern, const std::vector<std::string>& segments,
                    std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> split_;  // each route's pattern, by segment
};

}  // namespace autotune::web
