// CommitBatch: group commit for ask and tell. Every ask and every tell is a
// committed write; with many workers, one commit per request is most of the
// server's cost (the WAL pages, locks and syncs of each commit). Requests
// that arrive together (read in the same turn of the event loop) are handled
// in one batch: the store's write group (Store::BeginGroup) around them,
// one commit at the end, then the replies. No reply leaves before its
// writes are committed, so a worker never holds a trial the store does not.
// A batch of one is handled as before (its calls commit themselves).
//
// Only POST .../ask and POST .../tell go through batches: their handlers
// touch nothing but the store and the in-memory ask/tell state (a submit or
// a stop may start trial programs, which must not run on writes that are not
// yet committed).
//
// A batch whose commit fails (disk full, I/O error) has run its handlers
// against in-memory state the store no longer matches: its requests get 500,
// every later batched request gets 503, and on_commit_failed is called
// (`autotune serve` stops; the next start resumes from the store).
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "db/store.h"
#include "web/api.h"
#include "web/server_metrics.h"

namespace autotune::web {

class CommitBatch {
 public:
  // Group commits are counted in `metrics` (for /metrics).
  CommitBatch(boost::asio::io_context& io, Store& store, Api& api, ServerMetrics& metrics);
  ~CommitBatch();
  CommitBatch(const CommitBatch&) = delete;
  CommitBatch& operator=(const CommitBatch&) = delete;

  // Whether a request goes through a batch (POST to a path ending in /ask
  // or /tell; the router still decides what it is).
  static bool Batched(const Request& request);
  // Handles `request` in the current batch (one is posted to run after the
  // handlers already queued); `done` gets the reply after the commit.
  void Add(Request request, std::function<void(Reply)> done);

  std::function<void(const Status&)> on_commit_failed;


 private:
  struct Item {
    Request request;
    std::function<void(Reply)> done;
  };
  void Drain();

  boost::asio::io_context& io_;
  Store& store_;
  Api& api_;
  std::vector<Item> queue_;
  bool scheduled_ = false;
  ServerMetrics& metrics_;
  Status failed_;  // a commit that failed: later batched requests are refused
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace autotune::web
