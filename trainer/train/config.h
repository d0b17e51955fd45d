// TrainConfig: everything one run of autotune-trainer needs, in three parts:
//   TrainParams  the hyperparameters a trial may set through AUTOTUNE_PARAMS
//                (every one is also a command-line flag of the same name);
//   DataConfig   which data set and how to read it (flags only);
//   RunConfig    the step range, checkpoints, seed and processes (flags and the
//                trial protocol's environment).
// No LibTorch here; the model-specific checks (margins, optimiser, backbone)
// are done where the model is built (trainer.h).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tuner/core/status.h"

namespace autotune::trainer {

struct TrainParams {
  double lr = 0.1;
  double momentum = 0.9;
  double weight_decay = 5e-4;
  std::string loss = "arcface";  // arcface | cosface | softmax
  // The loss's margin: ArcFace's additive angle m2, CosFace's cosine margin
  // m3; softmax takes none. Unset: m2/m3 below, else 0.5 (ArcFace) or 0.35
  // (CosFace).
  std::optional<double> margin;
  std::optional<double> m1;  // ArcFace's multiplicative angle margin (default 1)
  std::optional<double> m2;  // ArcFace's additive angle margin (= margin)
  std::optional<double> m3;  // additive cosine margin (= margin for CosFace)
  double scale = 30.0;
  std::int64_t batch_size = 256;  // global: split evenly over the ranks
  std::int64_t embedding_size = 128;
  std::int64_t warmup_steps = 50;
  double sample_ratio = 1.0;         // Partial FC: share of each shard's classes per step
  std::string optimizer = "sgd";     // sgd | adamw
  double beta1 = 0.9;                // adamw
  double beta2 = 0.999;              // adamw
  std::string schedule = "cosine";   // cosine | step | constant
  std::int64_t total_steps = 0;      // schedule horizon; 0: this segment's end step
  double min_lr_ratio = 0.0;         // cosine floor, as a share of lr
  double lr_decay = 0.1;             // step schedule: factor at each milestone
  std::string lr_milestones;         // step schedule: "300,450" (default 50%, 75%)
  double grad_clip = 0.0;            // max global gradient norm; 0: no clipping
  std::int64_t eval_interval = 200;  // evaluate every N steps (and at the end); 0: end only
  std::string backbone;              // cnn | resnet | mlp; empty: chosen by the data
  std::int64_t width = 16;           // backbone width (16: a CNN that trains fast on a CPU)
};

struct DataConfig {
  std::string dataset = "fashion-mnist";  // fashion-mnist | plsc | synthetic
  std::string data_dir;                   // fashion-mnist: Debian's dir if empty; plsc: prepared dir
  std::int64_t image_size = 112;          // plsc: images are resized to this square
  std::int64_t channels = 3;              // plsc: 1 (grey) or 3 (RGB)
  std::int64_t num_classes = 1000;        // synthetic
  std::int64_t input_dim = 64;            // synthetic
  double noise = 0.5;                     // synthetic
  std::int64_t train_size = std::int64_t{1} << 32;  // synthetic
  std::int64_t val_size = 10000;                    // synthetic
  std::int64_t eval_samples = 0;                    // score at most this many held-out samples; 0: all
  // Global evaluation batch; 0: the training batch size. Each evaluation batch
  // holds a [batch x shard classes] logit block per rank, so with millions of
  // classes this, not training, can set the peak memory.
  std::int64_t eval_batch_size = 0;
};

struct RunConfig {
  std::int64_t step_begin = 0;
  std::int64_t step_end = 400;
  std::string resume_from;             // a checkpoint directory to continue from
  std::string checkpoint_dir;          // where to write this segment's checkpoint; empty: none
  std::string init_from;               // a (pretraining) checkpoint to start a fresh run from
  std::string init_mode = "backbone";  // backbone | all
  bool reset_classifier = false;       // with init_mode all: start the classes afresh
  std::uint64_t seed = 0;
  int nproc = 1;                   // local ranks to start
  int threads = 0;                 // intra-op threads per rank; 0: cores / nproc
  std::int64_t log_interval = 10;  // steps between AUTOTUNE lines
  std::string device = "cpu";      // cpu | cuda (a CUDA build only)
};

struct TrainConfig {
  TrainParams params;
  DataConfig data;
  RunConfig run;
};

// One entry per TrainParams field: its name (the AUTOTUNE_PARAMS key and the
// flag --name), a help line and the member it sets.
struct ParamInfo {
  const char* name;
  const char* help;
  std::variant<double TrainParams::*, std::int64_t TrainParams::*, std::string TrainParams::*,
               std::optional<double> TrainParams::*>
      field;
};
std::span<const ParamInfo> ParamTable();

// Applies a JSON object of params. An unknown key, a wrong type (a string for
// a number, a fraction for an integer) or text that is not a JSON object is
// InvalidArgument naming the param.
Status ApplyParamsJson(std::string_view json_text, TrainParams* params);
// Every param, unset optional ones left out (recorded in checkpoints).
nlohmann::json ParamsToJson(const TrainParams& params);

// Reads the trial protocol's environment (AUTOTUNE_PARAMS, AUTOTUNE_STEP_BEGIN,
// AUTOTUNE_STEP_END, AUTOTUNE_RESUME_FROM, AUTOTUNE_CHECKPOINT_DIR,
// AUTOTUNE_SEED) through `getenv`; absent variables leave the config as it is,
// so flags give the standalone defaults. AUTOTUNE_PARAMS is applied after the
// flags: a searched value wins over a flag. Malformed values are
// InvalidArgument naming the variable.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
Status ApplyProtocolEnv(const EnvLookup& getenv, TrainConfig* config);
// The process environment.
EnvLookup ProcessEnv();

// Range and consistency checks that need no model: one InvalidArgument naming
// the offending param or option. `world` is the number of ranks.
Status ValidateConfig(const TrainConfig& config, int world);

// The resolved margins (m1, m2, m3) of params.loss, applying the defaults
// described at TrainParams::margin; InvalidArgument when margin and the
// explicit m2/m3 it stands for disagree.
struct Margins {
  double m1 = 1.0;
  double m2 = 0.0;
  double m3 = 0.0;
};
StatusOr<Margins> ResolveMargins(const TrainParams& params);

// The step schedule's milestones parsed from "300,450".
StatusOr<std::vector<std::int64_t>> ParseMilestones(const std::string& text);

}  // namespace autotune::trainer
