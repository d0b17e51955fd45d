#include "web/event_hub.h"

#include <boost/asio/post.hpp>
#include <chrono>

#include "web/views.h"

namespace autotune::web {

EventHub::EventHub(boost::asio::io_context& io, Store& store, EventHubOptions options)
    : io_(io), store_(store), options_(options), timer_(io) {
  Tick();
}

EventHub::~EventHub() { *alive_ = false; }

std::string EventHub::Format(const EventRecord& e) {
  // The data line is one line of JSON (dump escapes newlines inside strings).
  return "id: " + std::to_string(e.id) + "\ndata: " + Dump(EventJson(e)) + "\n\n";
}

void EventHub::Subscribe(std::int64_t study_id, std::int64_t after_id, std::weak_ptr<EventSink> sink) {
  if (stopped_) return;
  streams_[study_id].push_back(Stream{std::move(sink), after_id});
  Notify(study_id);
}

void EventHub::Notify(std::int64_t study_id) {
  if (stopped_ || !streams_.count(study_id)) return;
  dirty_.insert(study_id);
  if (flush_posted_) return;
  flush_posted_ = true;
  boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (a && *a) Flush();
  });
}

void EventHub::Flush() {
  flush_posted_ = false;
  std::set<std::int64_t> dirty;
  dirty.swap(dirty_);
  for (std::int64_t study : dirty) {
    auto it = streams_.find(study);
    if (it == streams_.end()) continue;
    FlushStudy(study, it->second);
    if (it->second.empty()) streams_.erase(it);
  }
}

void EventHub::FlushStudy(std::int64_t study_id, std::vector<Stream>& streams) {
  std::erase_if(streams, [](const Stream& s) { return s.sink.expired(); });
  // Streams at the same position share each read.
  std::map<std::int64_t, std::vector<std::shared_ptr<EventSink>>> by_position;
  for (const Stream& s : streams) {
    auto sink = s.sink.lock();
    if (sink && sink->Backlog() <= options_.max_backlog) by_position[s.last_id].push_back(sink);
  }
  std::map<EventSink*, std::int64_t> reached;
  for (auto& [after, sinks] : by_position) {
    std::int64_t position = after;
    while (!sinks.empty()) {
      auto events = store_.ListEvents(study_id, position, options_.batch);
      if (!events.ok() || events->empty()) break;  // a read that failed is retried on the next tick
      std::string text;
      for (const EventRecord& e : *events) text += Format(e);
      position = events->back().id;
      for (auto& sink : sinks) {
        sink->Push(text);
        reached[sink.get()] = position;
      }
      std::erase_if(sinks, [this](const auto& sink) { return sink->Backlog() > options_.max_backlog; });
      if (static_cast<int>(events->size()) < options_.batch) break;
    }
  }
  for (Stream& s : streams) {
    auto sink = s.sink.lock();
    auto it = sink ? reached.find(sink.get()) : reached.end();
    if (it != reached.end()) s.last_id = it->second;
  }
}

void EventHub::Tick() {
  if (stopped_) return;
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(options_.poll_s)));
  timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& e) {
    auto a = alive.lock();
    if (e || !a || !*a || stopped_) return;
    since_ping_s_ += options_.poll_s;
    const bool ping = since_ping_s_ >= options_.ping_s;
    if (ping) since_ping_s_ = 0;
    for (auto& [study, streams] : streams_) {
      dirty_.insert(study);
      if (!ping) continue;
      for (const Stream& s : streams)
        if (auto sink = s.sink.lock()) sink->Push(": ping\n\n");
    }
    Flush();
    Tick();
  });
}

void EventHub::Stop() {
  stopped_ = true;
  timer_.cancel();
  streams_.clear();
  dirty_.clear();
}

std::size_t EventHub::streams() const {
  std::size_t n = 0;
  for (const auto& [study, streams] : streams_)
    for (const Stream& s : streams) n += s.sink.expired() ? 0 : 1;
  return n;
}

}  // namespace autotune::web
