// `autotune serve`: the study service and the REST API on one event loop.
// Resumes the studies the store holds as running, prints its URL, and on
// SIGINT or SIGTERM stops accepting, interrupts the running studies (their
// segments cancelled, recorded as interrupted; the studies stay running in
// the store and resume on the next start) and exits.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "db/sqlite_store.h"
#include "tuner/cli/commands.h"
#include "tuner/cli/embedded_dashboard.h"
#include "tuner/cli/store_paths.h"
#include "tuner/coordinator/study_service.h"
#include "tuner/executor/local_process.h"
#include "web/api.h"
#include "web/event_hub.h"
#include "web/server.h"

namespace autotune {
namespace {

namespace fs = std::filesystem;

int Refuse(int code, const std::string& msg) {
  std::cerr << "autotune: " << msg << "\n";
  return code;
}

// The token: the file's content without surrounding white space.
StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot read the token file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  const auto first = token.find_first_not_of(" \t\r\n");
  const auto last = token.find_last_not_of(" \t\r\n");
  token = first == std::string::npos ? "" : token.substr(first, last - first + 1);
  if (token.size() < 16)
    return Status::InvalidArgument("the token in '" + path + "' is shorter than 16 characters");
  if (token.find_first_of(" \t\r\n") != std::string::npos)
    return Status::InvalidArgument("the token in '" + path + "' must be one word");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
    std::cerr << "autotune: warning: the token file '" << path
              << "' is readable by other users (chmod 600 it)\n";
  return token;
}

}  // namespace

int ServeCommand(const ServeArgs& args) {
  std::optional<std::string> token;
  if (!args.token_file.empty()) {
    auto t = ReadTokenFile(args.token_file);
    if (!t.ok()) return Refuse(kExitBadInput, t.status().ToString());
    token = *t;
  }
  if (!web::IsLoopbackHost(args.host) && !token) {
    return Refuse(kExitBadInput, "refusing to serve on " + args.host +
                                     " without authentication: give --token-file FILE (or bind 127.0.0.1)");
  }
  if (args.port < 0 || args.port > 65535) return Refuse(kExitBadInput, "--port must lie in [0, 65535]");

  auto store_or = OpenSqliteStore(args.db_path);
  if (!store_or.ok())
    return Refuse(kExitBadInput, "cannot open store " + args.db_path + ": " + store_or.status().ToString());
  Store& store = **store_or;

  boost::asio::io_context io;
  LocalProcessOptions exec_opts;
  exec_opts.max_parallel = args.slots > 0 ? args.slots : std::max(1u, std::thread::hardware_concurrency());
  exec_opts.gpu_ids = DetectGpus();
  LocalProcessExecutor executor(io, exec_opts);
  ServiceOptions sopts;
  sopts.checkpoint_root = args.checkpoint_dir.empty() ? DefaultCheckpointRoot(args.db_path)
                                                      : fs::absolute(args.checkpoint_dir).string();
  StudyService service(io, store, executor, sopts);

  web::ServerMetrics metrics;
  web::ApiOptions api_opts;
  api_opts.spec_base_dir = fs::current_path().string();
  api_opts.token = token;
  api_opts.static_dir =
      args.static_dir.empty() ? web::StaticFiles::Locate(ExecutablePath()) : args.static_dir;
  web::Api api(store, service, metrics, api_opts);
  web::EventHub hub(io, store);
  service.on_progress = [&](std::int64_t id, const Progress&) { hub.Notify(id); };
  service.on_log = [&](std::int64_t id, const std::string& line) {
    std::cerr << "[study " << id << "] " << line << "\n";
  };
  api.context().on_study_done = [&](std::int64_t id, const Status& s, StudyState state) {
    if (!s.ok())
      std::cerr << "[study " << id << "] stopped by an error: " << s.ToString() << "\n";
    else
      std::cerr << "[study " << id << "] " << ToString(state) << "\n";
    hub.Notify(id);
  };

  web::ServerOptions server_opts;
  server_opts.host = args.host;
  server_opts.port = static_cast<std::uint16_t>(args.port);
  server_opts.body_limit = args.body_limit;
  server_opts.max_connections = args.max_connections;
  web::Server server(io, server_opts, api, hub, metrics);
  Status listening = server.Start();
  if (!listening.ok())
    return Refuse(listening.code() == Status::Code::kInvalidArgument ? kExitBadInput : kExitFailed,
                  listening.ToString());
  for (const std::string& problem : api.ResumeStudies()) std::cerr << "autotune: " << problem << "\n";

  const std::string host = args.host.find(':') != std::string::npos ? "[" + args.host + "]" : args.host;
  std::cout << "autotune: serving http://" << host << ":" << server.port() << " (store " << args.db_path
            << (token ? ", bearer token required" : "") << ")" << std::endl;
  if (api_opts.static_dir.empty())
    std::cerr << "autotune: no web/static folder found; the dashboard is off\n";

  bool stopping = false;
  auto shut_down = [&] {
    if (stopping) return;
    stopping = true;
    server.Stop();
    hub.Stop();
    service.InterruptAll([&] { io.stop(); });
  };
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& e, int signal) {
    if (e) return;
    std::cerr << "autotune: " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
              << ": stopping; running studies resume on the next start\n";
    shut_down();
  });
  // The engine's in-memory state ran ahead of a commit that failed: stop,
  // and let the next start rebuild it from the store.
  int exit_code = kExitOk;
  server.batch().on_commit_failed = [&](const Status& s) {
    std::cerr << "autotune: the store failed to commit a batch of asks and tells: " << s.ToString()
              << "; stopping (the next start resumes every study from the store)\n";
    exit_code = kExitFailed;
    shut_down();
  };
  io.run();
  return exit_code;
}

}  // namespace autotune
