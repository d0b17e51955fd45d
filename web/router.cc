#include "web/router.h"

#include <boost/url/params_view.hpp>
#include <boost/url/segments_view.hpp>
#include <set>

namespace autotune::web {
namespace {

std::vector<std::string> SplitPattern(const std::string& pattern) {
  std::vector<std::string> out;
  std::size_t start = 1;  // patterns begin with '/'
  while (start <= pattern.size()) {
    std::size_t end = pattern.find('/', start);
    if (end == std::string::npos) end = pattern.size();
    out.push_back(pattern.substr(start, end - start));
    start = end + 1;
  }
  if (out.size() == 1 && out[0].empty()) out.clear();  // "/"
  return out;
}

bool IsPlaceholder(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

}  // namespace

std::optional<std::string> RequestView::Query(std::string_view name) const {
  auto params = url.params();
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return std::string((*it).value);
}

void Router::Add(http::verb method, std::string pattern, Handler handler) {
  split_.push_back(SplitPattern(pattern));
  routes_.push_back(Route{method, std::move(pattern), std::move(handler)});
}

bool Router::Match(const std::vector<std::string>& pattern, const std::vector<std::string>& segments,
                   std::map<std::string, std::string>* params) {
  params->clear();
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (IsPlaceholder(p) && p[p.size() - 2] == '*') {  // {rest*}: the remaining segments
      if (i >= segments.size()) return false;
      std::string rest;
      for (std::size_t j = i; j < segments.size(); ++j) rest += (j > i ? "/" : "") + segments[j];
      (*params)[p.substr(1, p.size() - 3)] = rest;
      return true;
    }
    if (i >= segments.size()) return false;
    if (IsPlaceholder(p)) {
      if (segments[i].empty()) return false;
      (*params)[p.substr(1, p.size() - 2)] = segments[i];
    } else if (p != segments[i]) {
      return false;
    }
  }
  return pattern.size() == segments.size();
}

Reply Router::Dispatch(const Request& request, boost::urls::url_view url) const {
  std::vector<std::string> segments;
  for (auto s : url.segments()) {
    // A decoded '/' inside a segment (%2F) must not pass for a separator, and
    // no handler has a use for NUL.
    std::string seg(s);
    if (seg.find('/') != std::string::npos || seg.find('\0') != std::string::npos) {
      return ErrorReply(http::status::not_found, "not_found", "no such route: " + std::string(url.path()));
    }
    segments.push_back(std::move(seg));
  }
  std::set<std::string> allowed;
  std::map<std::string, std::string> params;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (!Match(split_[i], segments, &params)) continue;
    if (routes_[i].method != request.method()) {
      allowed.insert(std::string(http::to_string(routes_[i].method)));
      continue;
    }
    RequestView view{request, url, params};
    Reply reply = routes_[i].handler(view);
    reply.route = routes_[i].pattern;
    return reply;
  }
  if (!allowed.empty()) {
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    Reply r = ErrorReply(http::status::method_not_allowed, "method_not_allowed",
                         std::string(request.method_string()) + " is not allowed here; allowed: " + allow);
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  return ErrorReply(http::status::not_found, "not_found", "no such route: " + std::string(url.path()));
}

}  // namespace autotune::web
