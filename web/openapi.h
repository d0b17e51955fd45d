// The OpenAPI 3.1 document of the REST API (web/openapi.json, compiled in),
// served at GET /api/v1/openapi.json. A test checks that it lists exactly the
// routes the router has.
#pragma once

#include <string_view>

namespace autotune::web {

std::string_view OpenApiDocument();

}  // namespace autotune::web
