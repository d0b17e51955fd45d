// Checks on JSON text from users (spec files, params), made before any
// document is built (internal to core).
#pragma once

#include <string>
#include <string_view>

#include "tuner/core/status.h"

namespace autotune::detail {

// How deep objects and arrays may nest in a spec or a params object: a spec
// needs 5 levels (warm_start.trials[i].params.x); the limit leaves room and
// keeps every later recursive walk of the document (copy, dump, compare)
// shallow.
inline constexpr int kMaxJsonDepth = 64;

// Scans text as one JSON value without building it (the scan needs no stack):
// syntax errors are "not valid JSON: ..." on `root_field`; nesting deeper than
// max_depth is refused on the top-level field it happens in; a number too
// large for a double (1e999) is refused on the path of its field, e.g.
// "space.x.high" or "warm_start.trials[0].value", as "must be a finite number".
Status CheckJsonText(std::string_view text, int max_depth, const std::string& root_field);

}  // namespace autotune::detail
