#include "web/commit_batch.h"

#include <boost/asio/post.hpp>

namespace autotune::web {

CommitBatch::CommitBatch(boost::asio::io_context& io, Store& store, Api& api, ServerMetrics& metrics)
    : io_(io), store_(store), api_(api), metrics_(metrics) {}

CommitBatch::~CommitBatch() { *alive_ = false; }

bool CommitBatch::Batched(const Request& request) {
  if (request.method() != http::verb::post) return false;
  std::string_view path = request.target();
  path = path.substr(0, path.find('?'));
  auto ends_with = [&](std::string_view tail) {
    return path.size() >= tail.size() && path.substr(path.size() - tail.size()) == tail;
  };
  return ends_with("/ask") || ends_with("/tell");
}

void CommitBatch::Add(Request request, std::function<void(Reply)> done) {
  queue_.push_back(Item{std::move(request), std::move(done)});
  if (scheduled_) return;
  scheduled_ = true;
  boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (a && *a) Drain();
  });
}

void CommitBatch::Drain() {
  scheduled_ = false;
  std::vector<Item> items = std::move(queue_);
  queue_.clear();
  if (!failed_.ok()) {
    for (Item& item : items) {
      item.done(ErrorReply(http::status::service_unavailable, "unavailable",
                           "this server stopped taking asks and tells after its store failed to commit (" +
                               failed_.message() + "); restart it"));
    }
    return;
  }
  // A group that cannot begin (the file is locked by another process for
  // longer than the busy budget) leaves each call to commit itself.
  const bool group = items.size() > 1 && store_.BeginGroup().ok();
  std::vector<Reply> replies;
  replies.reserve(items.size());
  for (const Item& item : items) replies.push_back(api_.Handle(item.request));
  if (group) {
    Status committed = store_.EndGroup();
    if (!committed.ok()) {
      failed_ = committed;
      for (Reply& r : replies) {
        r = ErrorReply(http::status::internal_server_error, "internal",
                       "the store could not commit this request (nothing of it was saved): " +
                           committed.message());
      }
      if (on_commit_failed) on_commit_failed(committed);
    } else {
      metrics_.GroupCommitted(static_cast<int>(items.size()));
    }
  }
  for (std::size_t i = 0; i < items.size(); ++i) items[i].done(std::move(replies[i]));
}

}  // namespace autotune::web
