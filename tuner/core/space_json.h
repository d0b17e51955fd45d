// JSON parsing of the search space and of params objects (internal to core).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "tuner/core/space.h"

namespace autotune::detail {

StatusOr<SearchSpace> ParseSpace(const nlohmann::json& j);
// One parameter's distribution; errors name `path` ("space.lr") and below.
StatusOr<ParamSpec> ParseParamSpec(const std::string& name, const nlohmann::json& j, const std::string& path);
// A flat object of scalars as Params; errors name path.<key>.
StatusOr<Params> ParseParamsObject(const nlohmann::json& j, const std::string& path);
// JSON writes 2.0 as 2: turn ints given for float params back into doubles,
// and a categorical value into the choice that is the same JSON value (1.0 ->
// the choice 1), so Validate's exact comparison accepts what the user meant.
Params CoerceToSpace(const SearchSpace& space, Params p);

}  // namespace autotune::detail
