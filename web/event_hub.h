// EventHub: feeds server-sent event streams from the store's events table.
// Each stream follows one study from an event id on: the hub reads the
// events after it (ListEvents, in batches) and hands them to the stream as
// SSE text ("id: N\ndata: {...}\n\n"), so a client that reconnects with
// Last-Event-ID misses nothing and sees nothing twice.
//
// When: Notify(study) after the engine made a transition (StudyService's
// on_progress), coalesced into one read per study per turn of the loop; a
// timer every poll_s catches what other processes wrote and streams that
// fell behind; every ping_s a comment line keeps idle connections open and
// finds dead ones. A stream whose client reads slowly is not fed while more
// than max_backlog bytes wait to be written to it; its sink notifies the hub
// when it has written everything out, and the hub goes on from there.
//
// Runs on the io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "db/store.h"

namespace autotune::web {

// The receiving end of a stream (an HTTP session).
class EventSink {
 public:
  virtual ~EventSink() = default;
  // Queues text to write to the client.
  virtual void Push(std::string text) = 0;
  // Bytes queued and not yet written.
  virtual std::size_t Backlog() const = 0;
};

struct EventHubOptions {
  double poll_s = 1.0;
  double ping_s = 15.0;
  int batch = 500;                     // events per store read
  std::size_t max_backlog = 1u << 20;  // bytes
};

class EventHub {
 public:
  EventHub(boost::asio::io_context& io, Store& store, EventHubOptions options = {});
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Streams study's events with id > after_id to sink, until the sink is
  // destroyed.
  void Subscribe(std::int64_t study_id, std::int64_t after_id, std::weak_ptr<EventSink> sink);
  // New events of the study may be in the store.
  void Notify(std::int64_t study_id);
  // Stops the timers; streams get nothing more.
  void Stop();

  std::size_t streams() const;

  // The SSE text of one event.
  static std::string Format(const EventRecord& e);

 private:
  struct Stream {
    std::weak_ptr<EventSink> sink;
    std::int64_t last_id;
  };
  void Flush();
  void FlushStudy(std::int64_t study_id, std::vector<Stream>& streams);
  void Tick();

  boost::asio::io_context& io_;
  Store& store_;
  EventHubOptions options_;
  std::map<std::int64_t, std::vector<Stream>> streams_;  // by study
  std::set<std::int64_t> dirty_;
  bool flush_posted_ = false;
  bool stopped_ = false;
  boost::asio::steady_timer timer_;
  double since_ping_s_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace autotune::web
