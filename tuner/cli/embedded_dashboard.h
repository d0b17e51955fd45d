// The dashboard `autotune run` serves while its study runs: the REST API
// (read-only: nothing can be submitted, stopped or told through it) and the
// web pages on 127.0.0.1, sharing the run's event loop and study service.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "db/store.h"
#include "tuner/coordinator/study_service.h"

namespace autotune {

struct EmbeddedDashboardOptions {
  int port = 8080;          // 0: any free port
  bool port_given = false;  // else a busy default port falls back to any free port
  std::string static_dir;   // "" = web/static found beside the binary
};

class EmbeddedDashboard {
 public:
  EmbeddedDashboard(boost::asio::io_context& io, Store& store, StudyService& service);
  ~EmbeddedDashboard();

  // Listens on 127.0.0.1. InvalidArgument for a port that cannot be bound
  // when it was given.
  Status Start(const EmbeddedDashboardOptions& options);
  bool has_started() const { return parts_ != nullptr; }
  // The base URL, http://127.0.0.1:PORT.
  std::string url() const;
  // Whether the web pages were found (else only the API is served).
  bool has_pages() const;
  // The study changed: its event streams are told.
  void Notify(std::int64_t study_id);
  // Stops listening and closes every connection, so the event loop can end.
  void Stop();

 private:
  struct Parts;
  boost::asio::io_context& io_;
  Store& store_;
  StudyService& service_;
  std::unique_ptr<Parts> parts_;
};

// The path of the running executable ("" when /proc cannot say).
std::string ExecutablePath();

}  // namespace autotune
