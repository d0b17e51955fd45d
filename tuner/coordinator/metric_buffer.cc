#include "tuner/coordinator/metric_buffer.h"

#include <chrono>

namespace autotune {

MetricBuffer::MetricBuffer(boost::asio::io_context& io, Store& store, double interval_s, ErrorFn on_error)
    : store_(store), interval_s_(interval_s), on_error_(std::move(on_error)), timer_(io) {}

MetricBuffer::~MetricBuffer() { *alive_ = false; }

void MetricBuffer::Add(std::int64_t segment_id, MetricPoint point) {
  points_.emplace_back(segment_id, std::move(point));
  if (armed_) return;
  armed_ = true;
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(interval_s_)));
  timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& e) {
    auto a = alive.lock();
    if (!a || !*a || e) return;
    armed_ = false;
    Status s = Flush();
    if (!s.ok() && on_error_) on_error_(s);
  });
}

Status MetricBuffer::Flush() {
  if (armed_) {
    timer_.cancel();
    armed_ = false;
  }
  if (points_.empty()) return Status::Ok();
  std::vector<std::pair<std::int64_t, MetricPoint>> batch;
  batch.swap(points_);
  return store_.AppendMetricsBatch(batch);
}

}  // namespace autotune
