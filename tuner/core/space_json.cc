// Parsing of the spec's "space" section.
#include "tuner/core/space_json.h"

#include "tuner/core/json_fields.h"

namespace autotune::detail {
namespace {

using nlohmann::json;

Status ParseValues(JsonFields& f, bool integral, std::vector<double>* dv, std::vector<std::int64_t>* iv) {
  const json* v = f.Get("values");
  if (!v) return Status::Ok();
  if (!v->is_array() || v->empty()) return Status::InvalidArgument("must be a non-empty array", f.Path("values"));
  for (const auto& x : *v) {
    if (integral) {
      std::optional<std::int64_t> i = ToInt64(x, false);
      if (!i) return Status::InvalidArgument("must hold integers that fit 64 bits", f.Path("values"));
      iv->push_back(*i);
    } else {
      if (!x.is_number()) return Status::InvalidArgument("must hold numbers", f.Path("values"));
      dv->push_back(x.get<double>());
    }
  }
  return Status::Ok();
}

StatusOr<ParamSpec> ParseParam(const std::string& name, const json& j, const std::string& path) {
  AT_RETURN_IF_ERROR(JsonFields::IsObject(j, path));
  JsonFields f(j, path);
  ParamSpec p;
  p.name = name;
  std::string type;
  AT_RETURN_IF_ERROR(f.String("type", &type, true));
  std::int64_t grid_points = 0;  // 0: the searcher's default
  AT_RETURN_IF_ERROR(f.Int("grid_points", &grid_points, false, 0, 100000));
  p.grid_points = static_cast<int>(grid_points);
  if (type == "float") {
    FloatDist d;
    AT_RETURN_IF_ERROR(f.Number("low", &d.low, true));
    AT_RETURN_IF_ERROR(f.Number("high", &d.high, true));
    AT_RETURN_IF_ERROR(f.Bool("log", &d.log));
    AT_RETURN_IF_ERROR(ParseValues(f, false, &d.values, nullptr));
    p.dist = d;
  } else if (type == "int") {
    IntDist d;
    AT_RETURN_IF_ERROR(f.Int("low", &d.low, true));
    AT_RETURN_IF_ERROR(f.Int("high", &d.high, true));
    AT_RETURN_IF_ERROR(f.Bool("log", &d.log));
    AT_RETURN_IF_ERROR(ParseValues(f, true, nullptr, &d.values));
    p.dist = d;
  } else if (type == "categorical") {
    CategoricalDist d;
    const json* c = f.Get("choices");
    if (!c) return Status::InvalidArgument("is required", f.Path("choices"));
    if (!c->is_array()) return Status::InvalidArgument("must be an array", f.Path("choices"));
    for (const auto& x : *c) {
      ParamValue v;
      AT_RETURN_IF_ERROR(ScalarToParam(x, f.Path("choices"), &v));
      d.choices.push_back(v);
    }
    p.dist = d;
  } else {
    return Status::InvalidArgument("must be one of float, int, categorical (got '" + type + "')",
                                   f.Path("type"));
  }
  if (const json* init = f.Get("init")) {
    ParamValue v;
    AT_RETURN_IF_ERROR(ScalarToParam(*init, f.Path("init"), &v));
    // An integral JSON number given for a float param is a float.
    if (std::holds_alternative<FloatDist>(p.dist) && std::holds_alternative<std::int64_t>(v))
      v = static_cast<double>(std::get<std::int64_t>(v));
    p.init = v;
  }
  AT_RETURN_IF_ERROR(f.Unknown());
  return p;
}

}  // namespace

StatusOr<SearchSpace> ParseSpace(const json& j) {
  AT_RETURN_IF_ERROR(JsonFields::IsObject(j, "space"));
  std::vector<ParamSpec> params;
  for (auto it = j.begin(); it != j.end(); ++it) {
    AT_ASSIGN_OR_RETURN(ParamSpec p, ParseParam(it.key(), it.value(), "space." + it.key()));
    params.push_back(std::move(p));
  }
  return SearchSpace::Create(std::move(params));
}

StatusOr<ParamSpec> ParseParamSpec(const std::string& name, const json& j, const std::string& path) {
  return ParseParam(name, j, path);
}

StatusOr<Params> ParseParamsObject(const json& j, const std::string& path) {
  if (!j.is_object()) return Status::InvalidArgument("must be an object", path);
  Params p;
  for (auto it = j.begin(); it != j.end(); ++it) {
    ParamValue v;
    AT_RETURN_IF_ERROR(ScalarToParam(it.value(), path + "." + it.key(), &v));
    p[it.key()] = v;
  }
  return p;
}

Params CoerceToSpace(const SearchSpace& space, Params p) {
  for (const auto& spec : space.params()) {
    auto it = p.find(spec.name);
    if (it == p.end()) continue;
    if (std::holds_alternative<FloatDist>(spec.dist) && std::holds_alternative<std::int64_t>(it->second))
      it->second = static_cast<double>(std::get<std::int64_t>(it->second));
    // A categorical value is the choice that is the same JSON value (1.0 for the choice 1).
    if (const auto* c = std::get_if<CategoricalDist>(&spec.dist)) {
      for (const ParamValue& choice : c->choices) {
        if (SameJsonValue(choice, it->second)) it->second = choice;
      }
    }
  }
  return p;
}

}  // namespace autotune::detail
