// MetricBuffer: metric reports of running segments, written to the store in
// batches (one transaction per flush) so that a chatty trial does not cost a
// SQLite transaction per line on the event loop. A flush happens at most
// `interval_s` after the first buffered point, and on demand (the
// coordinator flushes before it finishes a segment, so no report of a
// finished segment is lost). Single-threaded on its io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "db/store.h"

namespace autotune {

class MetricBuffer {
 public:
  using ErrorFn = std::function<void(const Status&)>;
  MetricBuffer(boost::asio::io_context& io, Store& store, double interval_s, ErrorFn on_error);
  ~MetricBuffer();

  void Add(std::int64_t segment_id, MetricPoint point);
  // Writes everything buffered now; the store's error, if any.
  Status Flush();

 private:
  Store& store_;
  double interval_s_;
  ErrorFn on_error_;
  boost::asio::steady_timer timer_;
  bool armed_ = false;
  std::vector<std::pair<std::int64_t, MetricPoint>> points_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace autotune
