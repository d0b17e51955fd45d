// StaticFiles: the only files a request can reach, all under one root (the
// dashboard's web/static). A requested path is a list of decoded segments;
// empty, "." and ".." segments, hidden names (a leading '.') and anything
// that resolves outside the root (through a symbolic link too) are refused,
// so no request reads a file elsewhere.
#pragma once

#include <string>

#include "web/reply.h"

namespace autotune::web {

class StaticFiles {
 public:
  // root "" (or a folder that does not exist) serves nothing.
  explicit StaticFiles(std::string root);
  // The file at `relative` ("index.html", "js/app.js") with its content type;
  // 404 when it is absent or refused.
  Reply Serve(const std::string& relative) const;
  const std::string& root() const { return root_; }

  // Where web/static is for a binary at `exe`: beside the build tree
  // (<exe>/../../web/static for build/tuner/autotune), or installed
  // (<exe>/../share/autotune/static). "" when neither exists.
  static std::string Locate(const std::string& exe);

 private:
  std::string root_;  // canonical, "" when disabled
};

}  // namespace autotune::web
