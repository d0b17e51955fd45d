#include "web/server_metrics.h"

#include <cstdio>

namespace autotune::web {
namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// A series of one value, with its HELP and TYPE lines.
template <typename Count>
void Scalar(std::string& out, const char* name, const char* type, const char* help, Count value) {
  out += std::string("# HELP ") + name + " " + help + "\n";
  out += std::string("# TYPE ") + name + " " + type + "\n";
  out += std::string(name) + " " + std::to_string(value) + "\n";
}

}  // namespace

std::string PrometheusLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void ServerMetrics::Observe(const std::string& route, int status, double seconds) {
  const std::string r = route.empty() ? "unmatched" : route;
  ++requests_[{r, status}];
  Histogram& h = latency_[r];
  ++h.count;
  h.sum += seconds;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
}

std::string ServerMetrics::Prometheus() const {
  std::string out;
  out += "# HELP autotune_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE autotune_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += "autotune_http_requests_total{route=\"" + PrometheusLabel(key.first) + "\",code=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP autotune_http_request_duration_seconds Time from a request's end to its response's end.\n";
  out += "# TYPE autotune_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    const std::string label = "route=\"" + PrometheusLabel(route) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += "autotune_http_request_duration_seconds_bucket{" + label + ",le=\"" + Number(kBuckets[i]) +
             "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "autotune_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    out += "autotune_http_request_duration_seconds_sum{" + label + "} " + Number(h.sum) + "\n";
    out += "autotune_http_request_duration_seconds_count{" + label + "} " + std::to_string(h.count) + "\n";
  }
  Scalar(out, "autotune_http_connections", "gauge", "Open HTTP connections (event streams included).",
         connections_);
  Scalar(out, "autotune_event_streams", "gauge", "Open server-sent event streams.", streams_);
  Scalar(out, "autotune_http_connections_refused_total", "counter", "Connections refused at the connection cap.",
         refused_);
  Scalar(out, "autotune_group_commits_total", "counter", "Store commits shared by several asks and tells.",
         group_commits_);
  Scalar(out, "autotune_group_commit_requests_total", "counter",
         "Asks and tells answered after a shared commit.", group_requests_);
  return out;
}

}  // namespace autotune::web
