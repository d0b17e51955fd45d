#include "trainer/train/config.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <numbers>

namespace autotune::trainer {
namespace {

using P = TrainParams;

const ParamInfo kParams[] = {
    {"lr", "base learning rate (> 0)", &P::lr},
    {"momentum", "SGD momentum in [0, 1)", &P::momentum},
    {"weight_decay", "weight decay (>= 0)", &P::weight_decay},
    {"loss", "arcface | cosface | softmax", &P::loss},
    {"margin", "ArcFace m2 / CosFace m3 (default 0.5 / 0.35)", &P::margin},
    {"m1", "ArcFace multiplicative angular margin (default 1)", &P::m1},
    {"m2", "ArcFace additive angular margin in radians", &P::m2},
    {"m3", "additive cosine margin", &P::m3},
    {"scale", "logit scale s (> 0)", &P::scale},
    {"batch_size", "global batch size, divisible by the number of ranks", &P::batch_size},
    {"embedding_size", "embedding dimension", &P::embedding_size},
    {"warmup_steps", "steps of linear warmup", &P::warmup_steps},
    {"sample_ratio", "Partial FC class sampling ratio in (0, 1]", &P::sample_ratio},
    {"optimizer", "sgd | adamw", &P::optimizer},
    {"beta1", "AdamW beta1 in [0, 1)", &P::beta1},
    {"beta2", "AdamW beta2 in [0, 1)", &P::beta2},
    {"schedule", "cosine | step | constant (after warmup)", &P::schedule},
    {"total_steps", "schedule horizon in steps (0: the segment's end step)", &P::total_steps},
    {"min_lr_ratio", "cosine: final rate as a share of lr, in [0, 1]", &P::min_lr_ratio},
    {"lr_decay", "step schedule: factor at each milestone, in (0, 1]", &P::lr_decay},
    {"lr_milestones", "step schedule: comma-separated steps (default 50%,75% of total)", &P::lr_milestones},
    {"grad_clip", "clip the global gradient norm to this (0: off)", &P::grad_clip},
    {"eval_interval", "evaluate every N steps and at the end (0: at the end only)", &P::eval_interval},
    {"backbone", "cnn | resnet | mlp (default: chosen by the data set)", &P::backbone},
    {"width", "backbone width (channels of the first stage)", &P::width},
};

Status Bad(const std::string& name, const std::string& what) {
  return Status::InvalidArgument("param '" + name + "' " + what, name);
}

Status SetFromJson(const ParamInfo& info, const nlohmann::json& v, TrainParams* p) {
  const std::string name = info.name;
  return std::visit(
      [&](auto member) -> Status {
        using T = std::remove_cvref_t<decltype(p->*member)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (!v.is_string()) return Bad(name, "must be a string, got " + v.dump());
          p->*member = v.get<std::string>();
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          // Searchers may send integers as JSON doubles (128.0): accept those.
          if (v.is_number_integer()) {
            p->*member = v.get<std::int64_t>();
          } else if (v.is_number_float() && std::nearbyint(v.get<double>()) == v.get<double>() &&
                     std::fabs(v.get<double>()) < 9e15) {
            p->*member = static_cast<std::int64_t>(v.get<double>());
          } else {
            return Bad(name, "must be an integer, got " + v.dump());
          }
        } else {
          if (!v.is_number()) return Bad(name, "must be a number, got " + v.dump());
          p->*member = v.get<double>();
        }
        return Status::Ok();
      },
      info.field);
}

StatusOr<std::int64_t> ParseInt(const std::string& text, const std::string& what) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(what + " must be an integer, got '" + text + "'", what);
  }
  return v;
}

bool Finite(double v) { return std::isfinite(v); }

Status CheckRange(const char* name, double v, double low, double high, bool low_open, bool high_open) {
  const bool ok = Finite(v) && (low_open ? v > low : v >= low) && (high_open ? v < high : v <= high);
  if (ok) return Status::Ok();
  std::string range = std::string(low_open ? "(" : "[") +
                      (std::isinf(low) ? "-inf" : nlohmann::json(low).dump()) + ", " +
                      (std::isinf(high) ? "inf" : nlohmann::json(high).dump()) + (high_open ? ")" : "]");
  return Bad(name, "= " + nlohmann::json(v).dump() + " is out of range " + range);
}

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

std::span<const ParamInfo> ParamTable() { return kParams; }

Status ApplyParamsJson(std::string_view json_text, TrainParams* params) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("AUTOTUNE_PARAMS is not valid JSON: ") + e.what(),
                                   "AUTOTUNE_PARAMS");
  }
  if (!j.is_object()) {
    return Status::InvalidArgument("AUTOTUNE_PARAMS must be a JSON object", "AUTOTUNE_PARAMS");
  }
  for (const auto& [key, value] : j.items()) {
    const ParamInfo* info = nullptr;
    for (const ParamInfo& candidate : kParams) {
      if (key == candidate.name) info = &candidate;
    }
    if (info == nullptr) {
      std::string known;
      for (const ParamInfo& candidate : kParams)
        known += (known.empty() ? "" : ", ") + std::string(candidate.name);
      return Status::InvalidArgument("unknown param '" + key + "' (known: " + known + ")", key);
    }
    AT_RETURN_IF_ERROR(SetFromJson(*info, value, params));
  }
  return Status::Ok();
}

nlohmann::json ParamsToJson(const TrainParams& params) {
  nlohmann::json j = nlohmann::json::object();
  for (const ParamInfo& info : kParams) {
    std::visit(
        [&](auto member) {
          using T = std::remove_cvref_t<decltype(params.*member)>;
          if constexpr (std::is_same_v<T, std::optional<double>>) {
            if (params.*member) j[info.name] = *(params.*member);
          } else {
            j[info.name] = params.*member;
          }
        },
        info.field);
  }
  return j;
}

EnvLookup ProcessEnv() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Status ApplyProtocolEnv(const EnvLookup& getenv, TrainConfig* config) {
  if (auto v = getenv("AUTOTUNE_PARAMS")) AT_RETURN_IF_ERROR(ApplyParamsJson(*v, &config->params));
  if (auto v = getenv("AUTOTUNE_STEP_BEGIN")) {
    AT_ASSIGN_OR_RETURN(config->run.step_begin, ParseInt(*v, "AUTOTUNE_STEP_BEGIN"));
  }
  if (auto v = getenv("AUTOTUNE_STEP_END")) {
    AT_ASSIGN_OR_RETURN(config->run.step_end, ParseInt(*v, "AUTOTUNE_STEP_END"));
  }
  if (auto v = getenv("AUTOTUNE_RESUME_FROM"); v && !v->empty()) config->run.resume_from = *v;
  if (auto v = getenv("AUTOTUNE_CHECKPOINT_DIR"); v && !v->empty()) config->run.checkpoint_dir = *v;
  if (auto v = getenv("AUTOTUNE_SEED")) {
    AT_ASSIGN_OR_RETURN(std::int64_t seed, ParseInt(*v, "AUTOTUNE_SEED"));
    config->run.seed = static_cast<std::uint64_t>(seed);
  }
  return Status::Ok();
}

StatusOr<std::vector<std::int64_t>> ParseMilestones(const std::string& text) {
  std::vector<std::int64_t> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    AT_ASSIGN_OR_RETURN(std::int64_t m, ParseInt(text.substr(start, comma - start), "lr_milestones"));
    if (m < 0 || (!out.empty() && m <= out.back())) {
      return Bad("lr_milestones", "must be increasing non-negative steps, got '" + text + "'");
    }
    out.push_back(m);
    start = comma + 1;
  }
  return out;
}

StatusOr<Margins> ResolveMargins(const TrainParams& p) {
  Margins m;
  if (p.loss == "arcface") {
    if (p.margin && p.m2 && *p.margin != *p.m2) {
      return Bad("margin", "and m2 are both set and differ (ArcFace)");
    }
    m.m1 = p.m1.value_or(1.0);
    m.m2 = p.margin ? *p.margin : p.m2.value_or(0.5);
    m.m3 = p.m3.value_or(0.0);
  } else if (p.loss == "cosface") {
    if (p.margin && p.m3 && *p.margin != *p.m3) {
      return Bad("margin", "and m3 are both set and differ (CosFace)");
    }
    m.m3 = p.margin ? *p.margin : p.m3.value_or(0.35);
  } else if (p.loss != "softmax") {
    return Bad("loss", "must be arcface, cosface or softmax, got '" + p.loss + "'");
  }
  return m;
}

Status ValidateConfig(const TrainConfig& c, int world) {
  if (c.run.nproc < 1 || c.run.nproc > 256) {
    return Status::InvalidArgument("--nproc must be in [1, 256]", "nproc");
  }
  if (world < 1) return Status::InvalidArgument("the world size must be positive", "nproc");
  const TrainParams& p = c.params;
  AT_RETURN_IF_ERROR(CheckRange("lr", p.lr, 0, kInf, true, true));
  AT_RETURN_IF_ERROR(CheckRange("momentum", p.momentum, 0, 1, false, true));
  AT_RETURN_IF_ERROR(CheckRange("weight_decay", p.weight_decay, 0, kInf, false, true));
  AT_RETURN_IF_ERROR(ResolveMargins(p).status());
  for (const auto& [name, v] : {std::pair{"margin", p.margin}, {"m1", p.m1}, {"m2", p.m2}, {"m3", p.m3}}) {
    if (v && !Finite(*v)) return Bad(name, "must be finite");
  }
  AT_RETURN_IF_ERROR(CheckRange("scale", p.scale, 0, kInf, true, true));
  if (p.batch_size < world || p.batch_size % world != 0) {
    return Bad("batch_size", "= " + std::to_string(p.batch_size) + " must be a positive multiple of the " +
                                 std::to_string(world) + " ranks");
  }
  if (p.embedding_size < 2 || p.embedding_size > 65536) return Bad("embedding_size", "must be in [2, 65536]");
  if (p.warmup_steps < 0) return Bad("warmup_steps", "must not be negative");
  AT_RETURN_IF_ERROR(CheckRange("sample_ratio", p.sample_ratio, 0, 1, true, false));
  if (p.optimizer != "sgd" && p.optimizer != "adamw") {
    return Bad("optimizer", "must be sgd or adamw, got '" + p.optimizer + "'");
  }
  AT_RETURN_IF_ERROR(CheckRange("beta1", p.beta1, 0, 1, false, true));
  AT_RETURN_IF_ERROR(CheckRange("beta2", p.beta2, 0, 1, false, true));
  if (p.schedule != "cosine" && p.schedule != "step" && p.schedule != "constant") {
    return Bad("schedule", "must be cosine, step or constant, got '" + p.schedule + "'");
  }
  if (p.total_steps < 0) return Bad("total_steps", "must not be negative");
  AT_RETURN_IF_ERROR(CheckRange("min_lr_ratio", p.min_lr_ratio, 0, 1, false, false));
  AT_RETURN_IF_ERROR(CheckRange("lr_decay", p.lr_decay, 0, 1, true, false));
  AT_RETURN_IF_ERROR(ParseMilestones(p.lr_milestones).status());
  AT_RETURN_IF_ERROR(CheckRange("grad_clip", p.grad_clip, 0, kInf, false, true));
  if (p.eval_interval < 0) return Bad("eval_interval", "must not be negative");
  if (!p.backbone.empty() && p.backbone != "cnn" && p.backbone != "resnet" && p.backbone != "mlp") {
    return Bad("backbone", "must be cnn, resnet or mlp, got '" + p.backbone + "'");
  }
  if (p.width < 1 || p.width > 4096) return Bad("width", "must be in [1, 4096]");

  const DataConfig& d = c.data;
  if (d.dataset != "fashion-mnist" && d.dataset != "plsc" && d.dataset != "synthetic") {
    return Status::InvalidArgument(
        "--dataset must be fashion-mnist, plsc or synthetic, got '" + d.dataset + "'", "dataset");
  }
  if (d.dataset == "plsc" && d.data_dir.empty()) {
    return Status::InvalidArgument("--dataset plsc needs --data-dir (a directory made by `prepare`)",
                                   "data_dir");
  }
  if (d.eval_samples < 0) {
    return Status::InvalidArgument("--eval-samples must not be negative", "eval_samples");
  }
  if (d.eval_batch_size < 0) {
    return Status::InvalidArgument("--eval-batch-size must not be negative", "eval_batch_size");
  }

  const RunConfig& r = c.run;
  if (r.step_begin < 0) return Status::InvalidArgument("the first step must not be negative", "step_begin");
  if (r.step_end <= r.step_begin) {
    return Status::InvalidArgument(
        "the step range [" + std::to_string(r.step_begin) + ", " + std::to_string(r.step_end) + ") is empty",
        "step_end");
  }
  if (r.init_mode != "backbone" && r.init_mode != "all") {
    return Status::InvalidArgument("--init-mode must be backbone or all, got '" + r.init_mode + "'",
                                   "init_mode");
  }
  if (r.threads < 0) return Status::InvalidArgument("--threads must not be negative", "threads");
  if (r.log_interval < 1) return Status::InvalidArgument("--log-interval must be positive", "log_interval");
  if (r.device != "cpu" && r.device != "cuda") {
    return Status::InvalidArgument("--device must be cpu or cuda, got '" + r.device + "'", "device");
  }
  return Status::Ok();
}

}  // namespace autotune::trainer
