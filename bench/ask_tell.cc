// bench/ask_tell: the REST API's ask/tell rate against Optuna's, and the
// latency of a page of trials.
//
//   ask_tell [--seconds S] [--rounds R] [--clients 1,8] [--page-trials 10000 (0: none)]
//            [--no-optuna] [--python /usr/bin/python3] [--dir DIR]
//
// The server is the real one (web::Server + Api + StudyService on one
// io_context thread) over a SQLite store file, in this process; clients are
// threads, each with its own kept-alive HTTP connection (web::HttpClient).
// 1. ask+tell pairs per second for each client count, one ask/tell study per
//    count (random searcher, two float params, max_parallel = clients);
//    checked against the store afterwards (completed trials == pairs told).
// 2. Optuna's own ask/tell on SQLite with the same client counts
//    (bench/optuna_ask_tell.py, processes), with its defaults and with
//    autotune's journal settings (WAL, synchronous NORMAL), each round right
//    after one of ours, so a machine whose load changes affects both alike;
//    --rounds rounds, averaged.
// 3. GET /api/v1/studies/{id}/trials?limit=100 at random cursors on a study
//    of --page-trials trials: requests/s and p50/p99 latency, 1 and 8 clients.
#include <pthread.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "db/sqlite_store.h"
#include "tuner/coordinator/study_service.h"
#include "tuner/executor/local_process.h"
#include "web/api.h"
#include "web/client.h"
#include "web/event_hub.h"
#include "web/server.h"

namespace {

using namespace autotune;
using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string Arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return def;
}
bool Flag(int argc, char** argv, const std::string& name) {
  for (int i = 1; i < argc; ++i)
    if (argv[i] == name) return true;
  return false;
}

// The server in this process, on a thread of its own.
class InProcessServer {
 public:
  explicit InProcessServer(const std::string& db) {
    auto store = OpenSqliteStore(db);
    if (!store.ok()) Die(store.status());
    store_ = std::move(*store);
    executor_ = std::make_unique<LocalProcessExecutor>(io_, LocalProcessOptions{});
    ServiceOptions so;
    so.checkpoint_root = db + "-checkpoints";
    service_ = std::make_unique<StudyService>(io_, *store_, *executor_, so);
    api_ = std::make_unique<web::Api>(*store_, *service_, metrics_, web::ApiOptions{});
    hub_ = std::make_unique<web::EventHub>(io_, *store_);
    service_->on_progress = [this](std::int64_t id, const Progress&) { hub_->Notify(id); };
    web::ServerOptions options;
    options.port = 0;
    server_ = std::make_unique<web::Server>(io_, options, *api_, *hub_, metrics_);
    Status s = server_->Start();
    if (!s.ok()) Die(s);
    url_.host = "127.0.0.1";
    url_.port = std::to_string(server_->port());
    thread_ = std::thread([this] {
      ::pthread_setname_np(::pthread_self(), "server");  // for profilers
      io_.run();
    });
  }
  ~InProcessServer() {
    boost::asio::post(io_, [this] {
      server_->Stop();
      hub_->Stop();
      service_->InterruptAll([this] { io_.stop(); });
    });
    thread_.join();
  }
  const web::ServerUrl& url() const { return url_; }
  Store& store() { return *store_; }
  // Batches of asks and tells committed together, and the requests in them.
  std::pair<long, long> Batches() {
    std::promise<std::pair<long, long>> out;
    boost::asio::post(io_, [&] {
      out.set_value({static_cast<long>(metrics_.group_commits()), static_cast<long>(metrics_.group_requests())});
    });
    return out.get_future().get();
  }
  // CPU seconds (user + system) the server's thread has used so far.
  double ServerCpu() {
    std::promise<double> cpu;
    boost::asio::post(io_, [&cpu] {
      rusage u{};
      ::getrusage(RUSAGE_THREAD, &u);
      cpu.set_value(u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec +
                    u.ru_stime.tv_usec * 1e-6);
    });
    return cpu.get_future().get();
  }

  static void Die(const Status& s) {
    std::fprintf(stderr, "ask_tell: %s\n", s.ToString().c_str());
    std::exit(1);
  }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<LocalProcessExecutor> executor_;
  std::unique_ptr<StudyService> service_;
  web::ServerMetrics metrics_;
  std::unique_ptr<web::Api> api_;
  std::unique_ptr<web::EventHub> hub_;
  std::unique_ptr<web::Server> server_;
  web::ServerUrl url_;
  std::thread thread_;
};

json Call(web::HttpClient& c, const std::string& method, const std::string& target,
          const std::string& body = "") {
  auto r = method == "GET" ? c.Get(target) : c.Post(target, body);
  if (!r.ok()) InProcessServer::Die(r.status());
  if (r->status / 100 != 2) return json{{"status", r->status}, {"body", r->body}};
  return json::parse(r->body);
}

std::int64_t Submit(const web::ServerUrl& url, const std::string& name, int max_trials, int parallel) {
  web::HttpClient c(url, {});
  json spec = {{"name", name},
               {"space",
                {{"x", {{"type", "float"}, {"low", -5}, {"high", 10}}},
                 {"y", {{"type", "float"}, {"low", 0}, {"high", 15}}}}},
               {"searcher", {{"algorithm", "random"}}},
               {"budget", {{"max_trials", max_trials}, {"max_parallel", parallel}}}};
  json r = Call(c, "POST", "/api/v1/studies", spec.dump());
  if (!r.contains("id")) InProcessServer::Die(Status::Internal("submit failed: " + r.dump()));
  return r["id"];
}

// Each client asks and tells until `end` (or the budget is spent); returns
// the pairs told per client.
std::vector<long> AskTellLoop(const web::ServerUrl& url, std::int64_t study, int clients,
                              Clock::time_point end) {
  std::vector<long> told(clients, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      web::HttpClient c(url, {});
      const std::string ask = "/api/v1/studies/" + std::to_string(study) + "/ask";
      while (Clock::now() < end) {
        json t = Call(c, "POST", ask);
        if (!t.contains("trial_id")) {
          if (t["status"] == 503) continue;  // every asked trial is out: ask again
          break;                             // 409: the budget is asked
        }
        const double x = t["params"]["x"], y = t["params"]["y"];
        json told_reply =
            Call(c, "POST", "/api/v1/trials/" + std::to_string(t["trial_id"].get<std::int64_t>()) + "/tell",
                 json{{"value", (x - 1) * (x - 1) + (y - 2) * (y - 2)}}.dump());
        if (told_reply.value("state", "") != "completed")
          InProcessServer::Die(Status::Internal("tell failed: " + told_reply.dump()));
        ++told[i];
      }
    });
  }
  for (auto& t : threads) t.join();
  return told;
}

json Optuna(const std::string& python, const std::string& script, int clients, double seconds,
            const std::string& db, const std::string& journal) {
  const std::string cmd = python + " '" + script + "' --clients " + std::to_string(clients) + " --seconds " +
                          std::to_string(seconds) + " --db '" + db + "' --journal " + journal;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return json();
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  ::pclose(p);
  json j = json::parse(out, nullptr, false);
  return j.is_discarded() ? json() : j;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()))];
}

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// One round of ours: the rate of pairs told by `clients` in `seconds`
// (adds them to *told); prints a line.
double OurRound(InProcessServer& server, std::int64_t study, int clients, double seconds, long* told_total) {
  const double cpu_before = server.ServerCpu();
  const auto batches_before = server.Batches();
  const auto begin = Clock::now();
  auto told = AskTellLoop(server.url(), study, clients, begin + Seconds(seconds));
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  long total = 0;
  for (long n : told) total += n;
  *told_total += total;
  const double cpu = server.ServerCpu() - cpu_before;
  const auto batches = server.Batches();
  const long grouped = batches.second - batches_before.second, groups = batches.first - batches_before.first;
  std::printf(
      "  autotune  clients=%d  %6.0f pairs/s  (server thread %.0f us CPU a pair; %.0f%% of requests in "
      "group commits, %.1f a commit)\n",
      clients, total / elapsed, 1e6 * cpu / std::max<long>(total, 1), 100.0 * grouped / std::max<long>(2 * total, 1),
      groups ? static_cast<double>(grouped) / groups : 0.0);
  std::fflush(stdout);
  return total / elapsed;
}

// requests/s and latency of trial pages at random cursors.
void PageBench(InProcessServer& server, std::int64_t study, int page_trials, int clients, double seconds) {
  std::vector<std::vector<double>> latencies(clients);
  std::vector<std::thread> threads;
  const auto end = Clock::now() + Seconds(seconds);
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      web::HttpClient c(server.url(), {});
      std::mt19937 rng(i);
      std::uniform_int_distribution<int> cursor(0, std::max(0, page_trials - 100));
      while (Clock::now() < end) {
        const auto t0 = Clock::now();
        auto r = c.Get("/api/v1/studies/" + std::to_string(study) +
                       "/trials?limit=100&cursor=" + std::to_string(cursor(rng)));
        if (!r.ok() || r->status != 200) InProcessServer::Die(Status::Internal("page failed"));
        latencies[i].push_back(std::chrono::duration<double>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::printf("  clients=%d  %.0f requests/s  p50 %.2f ms  p99 %.2f ms  (%zu requests)\n", clients,
              all.size() / seconds, 1e3 * Percentile(all, 0.5), 1e3 * Percentile(all, 0.99), all.size());
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = std::atof(Arg(argc, argv, "--seconds", "10").c_str());
  const int rounds = std::max(1, std::atoi(Arg(argc, argv, "--rounds", "3").c_str()));
  const int page_trials = std::atoi(Arg(argc, argv, "--page-trials", "10000").c_str());
  const std::string python = Arg(argc, argv, "--python", "/usr/bin/python3");
  const bool optuna = !Flag(argc, argv, "--no-optuna");
  std::vector<int> client_counts;
  std::stringstream list(Arg(argc, argv, "--clients", "1,8"));
  for (std::string c; std::getline(list, c, ',');) client_counts.push_back(std::atoi(c.c_str()));
  const fs::path dir =
      Arg(argc, argv, "--dir",
          (fs::temp_directory_path() / ("ask-tell-bench-" + std::to_string(::getpid()))).string());
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string script = (fs::path(__FILE__).parent_path() / "optuna_ask_tell.py").string();

  InProcessServer server((dir / "bench.db").string());
  std::printf(
      "ask+tell pairs/s over HTTP keep-alive, SQLite store (WAL, synchronous=NORMAL), against Optuna's\n"
      "ask/tell on SQLite (RandomSampler, one process a client) measured right after, %d round(s) of %.0f "
      "s\n",
      rounds, seconds);
  for (int clients : client_counts) {
    const std::int64_t study = Submit(server.url(), "pairs-" + std::to_string(clients), 10'000'000, clients);
    double ours = 0;
    long told = 0;
    std::map<std::string, double> theirs;
    std::map<std::string, std::vector<double>> ratios;
    for (int r = 0; r < rounds; ++r) {
      const double mine = OurRound(server, study, clients, seconds, &told);
      ours += mine / rounds;
      if (!optuna) continue;
      for (const std::string journal : {"default", "wal"}) {
        json o =
            Optuna(python, script, clients, seconds, (dir / ("optuna-" + journal + ".db")).string(), journal);
        if (!o.contains("pairs_per_s")) {
          std::printf("  optuna    did not run (needs %s with python3-optuna)\n", python.c_str());
          continue;
        }
        const double rate = o["pairs_per_s"];
        theirs[journal] += rate / rounds;
        ratios[journal].push_back(rate > 0 ? mine / rate : 0);
        std::printf("  optuna    clients=%d  %6.1f pairs/s  journal %-7s  round ratio %.0fx\n", clients, rate,
                    journal.c_str(), rate > 0 ? mine / rate : 0.0);
        std::fflush(stdout);
      }
    }
    auto counts = server.store().CountTrials(study);
    const int completed = counts.ok() ? (*counts)[static_cast<int>(TrialState::kCompleted)] : -1;
    std::printf("clients=%d: autotune %.0f pairs/s (%ld told, %s)", clients, ours, told,
                completed == told ? "all completed in the store" : "STORE MISMATCH");
    for (const auto& [journal, rate] : theirs) {
      auto& r = ratios[journal];
      std::sort(r.begin(), r.end());
      std::printf("; optuna (%s) %.1f pairs/s: %.0fx (rounds %.0fx-%.0fx)", journal.c_str(), rate,
                  ours / rate, r.front(), r.back());
    }
    std::printf("\n");
  }

  if (page_trials <= 0) {  // --page-trials 0: the pairs only
    fs::remove_all(dir);
    return 0;
  }
  std::printf("GET /api/v1/studies/{id}/trials?limit=100 at random cursors, %d-trial study, %.0f s\n",
              page_trials, seconds);
  const std::int64_t big = Submit(server.url(), "pages", page_trials, 8);
  AskTellLoop(server.url(), big, 8, Clock::now() + std::chrono::hours(1));  // until the budget is asked
  for (int clients : {1, 8}) PageBench(server, big, page_trials, clients, seconds);
  fs::remove_all(dir);
  return 0;
}
