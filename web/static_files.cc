#include "web/static_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace autotune::web {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxFileBytes = 32u << 20;  // a dashboard bundle, not a data file

std::string ContentType(const fs::path& p) {
  static const std::map<std::string, std::string> kTypes = {{".html", "text/html; charset=utf-8"},
                                                            {".js", "text/javascript; charset=utf-8"},
                                                            {".mjs", "text/javascript; charset=utf-8"},
                                                            {".css", "text/css; charset=utf-8"},
                                                            {".json", "application/json"},
                                                            {".map", "application/json"},
                                                            {".svg", "image/svg+xml"},
                                                            {".png", "image/png"},
                                                            {".ico", "image/x-icon"},
                                                            {".txt", "text/plain; charset=utf-8"},
                                                            {".woff2", "font/woff2"}};
  auto it = kTypes.find(p.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

Reply NotFound(const std::string& relative) {
  return ErrorReply(http::status::not_found, "not_found", "no static file '" + relative + "'");
}

// Whether `p` lies inside `root` (both canonical).
bool Inside(const fs::path& p, const fs::path& root) {
  auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
  return r == root.end();
}

}  // namespace

StaticFiles::StaticFiles(std::string root) {
  std::error_code ec;
  if (root.empty() || !fs::is_directory(root, ec)) return;
  root_ = fs::canonical(root, ec).string();
  if (ec) root_.clear();
}

Reply StaticFiles::Serve(const std::string& relative) const {
  if (root_.empty()) return NotFound(relative);
  fs::path rel;
  std::size_t start = 0;
  while (start <= relative.size()) {
    std::size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    const std::string seg = relative.substr(start, end - start);
    if (seg.empty() || seg[0] == '.' || seg.find('\\') != std::string::npos ||
        seg.find('\0') != std::string::npos)
      return NotFound(relative);
    rel /= seg;
    start = end + 1;
  }
  std::error_code ec;
  const fs::path full = fs::canonical(fs::path(root_) / rel, ec);  // resolves symbolic links
  if (ec || !Inside(full, root_) || !fs::is_regular_file(full, ec)) return NotFound(relative);
  const std::uintmax_t size = fs::file_size(full, ec);
  if (ec || size > kMaxFileBytes) return NotFound(relative);
  std::ifstream in(full, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  if (!in)
    return ErrorReply(http::status::internal_server_error, "internal", "cannot read '" + relative + "'");
  Reply r;
  r.content_type = ContentType(full);
  r.body = body.str();
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

std::string StaticFiles::Locate(const std::string& exe) {
  std::error_code ec;
  const fs::path dir = fs::canonical(exe, ec).parent_path();
  if (ec) return "";
  for (const fs::path& candidate :
       {dir / ".." / ".." / "web" / "static", dir / ".." / "share" / "autotune" / "static"}) {
    if (fs::is_regular_file(candidate / "index.html", ec)) return fs::canonical(candidate, ec).string();
  }
  return "";
}

}  // namespace autotune::web
