// libFuzzer target: a raw HTTP/1.1 request, parsed the way the server's
// sessions parse one (Beast, 1 MiB body limit) and answered by the REST API
// (web::Api::Handle) over a fresh in-memory store. Every input must give a
// parse error or a reply: no crash, no uncaught exception, no sanitizer report.
// The executor never has a free slot, so submitted studies run no program.
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "db/store.h"
#include "tuner/coordinator/study_service.h"
#include "tuner/executor/executor.h"
#include "web/api.h"
#include "web/server_metrics.h"

namespace {

class FullExecutor : public autotune::Executor {
 public:
  autotune::Status Launch(const autotune::SegmentTask&, MetricsFn, DoneFn) override {
    return autotune::Status::Unavailable("no free slot");
  }
  void Cancel(std::int64_t) override {}
  int Capacity() const override { return 1; }
  int Running() const override { return 1; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(1u << 20);
  boost::beast::error_code ec;
  std::size_t used = parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && !parser.is_done()) {
    parser.put_eof(ec);  // a request cut short ends here, as at a closed connection
  }
  (void)used;
  if (ec || !parser.is_done()) return 0;

  static const std::string base = std::filesystem::temp_directory_path().string();
  boost::asio::io_context io;
  auto store = autotune::NewMemoryStore();
  FullExecutor executor;
  autotune::ServiceOptions service_options;
  service_options.checkpoint_root = base + "/autotune-http-fuzz-checkpoints";
  autotune::StudyService service(io, *store, executor, service_options);
  autotune::web::ServerMetrics metrics;
  autotune::web::ApiOptions options;
  options.spec_base_dir = base;
  autotune::web::Api api(*store, service, metrics, options);
  autotune::web::Reply reply = api.Handle(parser.get());
  // Whatever the request started runs to quiescence (nothing launches).
  io.poll();
  const int status = static_cast<int>(reply.status);
  if (status < 100 || status > 599) std::abort();
  return 0;
}
