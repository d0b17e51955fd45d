// `prepare`: the global shuffle and equal split of PLSC base64 files.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "trainer/data/lines.h"
#include "trainer/data/plsc.h"

namespace autotune::trainer {
namespace {

struct Ref {
  std::int32_t file;
  std::int64_t offset;
  std::int64_t length;
};

// Writes refs[begin, end) to `path`, one line each.
Status WriteLines(const std::string& path, const std::vector<LineFile>& files, const std::vector<Ref>& refs,
                  const std::vector<std::int64_t>& order, std::int64_t begin, std::int64_t end) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Unavailable("cannot create " + path);
  std::string line;
  for (std::int64_t i = begin; i < end; ++i) {
    const Ref& r = refs[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])];
    AT_RETURN_IF_ERROR(files[static_cast<std::size_t>(r.file)].Read(r.offset, r.length, &line));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out << line << '\n';
  }
  out.close();
  if (!out) return Status::Unavailable("cannot write " + path);
  return Status::Ok();
}

}  // namespace

StatusOr<PrepareReport> PreparePlsc(const PrepareOptions& options) {
  if (options.inputs.empty()) return Status::InvalidArgument("prepare needs at least one input file");
  if (options.parts < 1) return Status::InvalidArgument("parts must be at least 1");
  if (!(options.val_fraction >= 0 && options.val_fraction < 1)) {
    return Status::InvalidArgument("val_fraction must be in [0, 1)");
  }
  std::vector<LineFile> files;
  std::vector<Ref> refs;
  PrepareReport report;
  for (const std::string& path : options.inputs) {
    AT_ASSIGN_OR_RETURN(LineFile f, LineFile::Open(path));
    const auto file = static_cast<std::int32_t>(files.size());
    files.push_back(std::move(f));
    std::int64_t line_no = 0;
    Status s = ScanLines(path, [&](std::int64_t offset, std::string_view line) -> Status {
      ++line_no;
      auto sample = ParsePlscLine(line);
      if (!sample.ok()) {
        return Status::InvalidArgument(path + ": line " + std::to_string(line_no) + ": " +
                                       sample.status().message());
      }
      if (sample->base64_jpeg.empty()) {
        return Status::InvalidArgument(path + ": line " + std::to_string(line_no) + ": empty image");
      }
      report.num_classes = std::max(report.num_classes, sample->label + 1);
      refs.push_back({file, offset, static_cast<std::int64_t>(line.size())});
      return Status::Ok();
    });
    AT_RETURN_IF_ERROR(s);
  }
  report.lines = static_cast<std::int64_t>(refs.size());
  report.val_lines =
      static_cast<std::int64_t>(std::floor(options.val_fraction * static_cast<double>(report.lines)));
  const std::int64_t train = report.lines - report.val_lines;
  report.per_part = train / options.parts;
  report.dropped = train % options.parts;
  if (report.per_part < 1) {
    return Status::InvalidArgument("only " + std::to_string(train) + " training lines for " +
                                   std::to_string(options.parts) + " parts");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) return Status::Unavailable("cannot create " + options.out_dir + ": " + ec.message());

  std::filesystem::remove(options.out_dir + "/prepare.json", ec);  // unfinished until rewritten
  const std::vector<std::int64_t> order = SeededPermutation(report.lines, options.seed);
  if (report.val_lines > 0) {
    AT_RETURN_IF_ERROR(WriteLines(options.out_dir + "/val.txt", files, refs, order, 0, report.val_lines));
  }
  char name[32];
  for (int p = 0; p < options.parts; ++p) {
    std::snprintf(name, sizeof(name), "/part-%05d.txt", p);
    const std::int64_t begin = report.val_lines + p * report.per_part;
    AT_RETURN_IF_ERROR(
        WriteLines(options.out_dir + name, files, refs, order, begin, begin + report.per_part));
  }
  const nlohmann::json meta = {{"format", "plsc-base64"},       {"num_classes", report.num_classes},
                               {"parts", options.parts},        {"per_part", report.per_part},
                               {"val_lines", report.val_lines}, {"seed", options.seed}};
  // prepare.json last: a directory without it is an unfinished preparation.
  std::ofstream out(options.out_dir + "/prepare.json", std::ios::trunc);
  out << meta.dump(2) << '\n';
  out.close();
  if (!out) return Status::Unavailable("cannot write " + options.out_dir + "/prepare.json");
  return report;
}

}  // namespace autotune::trainer
