#include "tuner/cli/embedded_dashboard.h"

#include <filesystem>
#include <optional>

#include "web/api.h"
#include "web/event_hub.h"
#include "web/server.h"
#include "web/server_metrics.h"

namespace autotune {

struct EmbeddedDashboard::Parts {
  web::ServerMetrics metrics;
  std::optional<web::Api> api;
  std::optional<web::EventHub> hub;
  std::optional<web::Server> server;
};

EmbeddedDashboard::EmbeddedDashboard(boost::asio::io_context& io, Store& store, StudyService& service)
    : io_(io), store_(store), service_(service) {}

EmbeddedDashboard::~EmbeddedDashboard() { Stop(); }

Status EmbeddedDashboard::Start(const EmbeddedDashboardOptions& options) {
  if (options.port < 0 || options.port > 65535)
    return Status::InvalidArgument("--dashboard-port must lie in [0, 65535]");
  auto parts = std::make_unique<Parts>();
  web::ApiOptions api_opts;
  api_opts.read_only = true;
  api_opts.static_dir =
      options.static_dir.empty() ? web::StaticFiles::Locate(ExecutablePath()) : options.static_dir;
  parts->api.emplace(store_, service_, parts->metrics, api_opts);
  parts->hub.emplace(io_, store_);
  web::ServerOptions server_opts;
  server_opts.host = "127.0.0.1";
  server_opts.port = static_cast<std::uint16_t>(options.port);
  parts->server.emplace(io_, server_opts, *parts->api, *parts->hub, parts->metrics);
  Status listening = parts->server->Start();
  if (!listening.ok() && !options.port_given && options.port != 0) {
    parts->server.reset();
    server_opts.port = 0;
    parts->server.emplace(io_, server_opts, *parts->api, *parts->hub, parts->metrics);
    listening = parts->server->Start();
  }
  if (!listening.ok()) {
    parts->hub->Stop();
    return Status::InvalidArgument(
        "the dashboard cannot listen on 127.0.0.1:" + std::to_string(options.port) + ": " +
        listening.message() + " (give another --dashboard-port, or --no-dashboard)");
  }
  parts_ = std::move(parts);
  return Status::Ok();
}

std::string EmbeddedDashboard::url() const {
  return parts_ ? "http://127.0.0.1:" + std::to_string(parts_->server->port()) : "";
}

bool EmbeddedDashboard::has_pages() const {
  return parts_ && !parts_->api->context().options.static_dir.empty();
}

void EmbeddedDashboard::Notify(std::int64_t study_id) {
  if (parts_) parts_->hub->Notify(study_id);
}

void EmbeddedDashboard::Stop() {
  if (!parts_) return;
  parts_->server->Stop();
  parts_->hub->Stop();
}

std::string ExecutablePath() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "" : p.string();
}

}  // namespace autotune
