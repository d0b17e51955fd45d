// ServerMetrics: what the HTTP server counts for /metrics (Prometheus text
// format): requests by route and status, a latency histogram by route, open
// connections and event streams, group commits. Used from the io_context's
// thread only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace autotune::web {

class ServerMetrics {
 public:
  // Upper bounds of the latency histogram's buckets, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    5};

  // One request answered: its route pattern ("" when none matched: counted
  // as "unmatched"), HTTP status and seconds from the end of its read to the
  // end of the response's write.
  void Observe(const std::string& route, int status, double seconds);
  void ConnectionOpened() { ++connections_; }
  void ConnectionClosed() { --connections_; }
  void StreamOpened() { ++streams_; }
  void StreamClosed() { --streams_; }
  void ConnectionRefused() { ++refused_; }
  // One group commit of `requests` asks and tells (web/commit_batch.h).
  void GroupCommitted(int requests) {
    ++group_commits_;
    group_requests_ += static_cast<std::uint64_t>(requests);
  }
  std::uint64_t group_commits() const { return group_commits_; }
  std::uint64_t group_requests() const { return group_requests_; }
  int connections() const { return connections_; }
  int streams() const { return streams_; }

  // The HTTP series in Prometheus text format (HELP and TYPE lines included).
  std::string Prometheus() const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::map<std::string, Histogram> latency_;                       // by route
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;  // by (route, status)
  int connections_ = 0, streams_ = 0;
  std::uint64_t refused_ = 0;
  std::uint64_t group_commits_ = 0, group_requests_ = 0;
};

// A label value escaped for the text format (\\, \", \n).
std::string PrometheusLabel(const std::string& value);

}  // namespace autotune::web
