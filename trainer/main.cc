// autotune-trainer: option parsing only; the work is in trainer/train/run.h.
//
//   autotune-trainer [--dataset fashion-mnist|plsc|synthetic] [--nproc N]
//                    [--lr X --margin M ... (every param)] [--steps N]
//   autotune-trainer prepare --out DIR --parts N [--seed S] FILE...
//
// Under the trial protocol the AUTOTUNE_* environment variables set the
// params, the step range and the checkpoint directories (config.h).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include "trainer/train/config.h"
#include "trainer/train/run.h"

namespace tr = autotune::trainer;

namespace {

// "--weight_decay,--weight-decay".
std::string FlagNames(const std::string& name) {
  std::string dashed = name;
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  return dashed == name ? "--" + name : "--" + name + ",--" + dashed;
}

void AddParamFlags(CLI::App& app, tr::TrainParams& params) {
  for (const tr::ParamInfo& info : tr::ParamTable()) {
    const std::string names = FlagNames(info.name);
    std::visit(
        [&](auto member) {
          using T = std::remove_cvref_t<decltype(params.*member)>;
          if constexpr (std::is_same_v<T, std::optional<double>>) {
            app.add_option_function<double>(
                names, [&params, member](const double& v) { params.*member = v; }, info.help);
          } else {
            app.add_option(names, params.*member, info.help)->capture_default_str();
          }
        },
        info.field);
  }
}

void AddDataFlags(CLI::App& app, tr::DataConfig& d) {
  app.add_option("--dataset", d.dataset, "fashion-mnist | plsc | synthetic")->capture_default_str();
  app.add_option("--data-dir", d.data_dir, "data directory (fashion-mnist: Debian's; plsc: made by prepare)");
  app.add_option("--image-size", d.image_size, "plsc: image side in pixels")->capture_default_str();
  app.add_option("--channels", d.channels, "plsc: 1 (grey) or 3 (RGB)")->capture_default_str();
  app.add_option("--num-classes", d.num_classes, "synthetic: classes")->capture_default_str();
  app.add_option("--input-dim", d.input_dim, "synthetic: sample dimension")->capture_default_str();
  app.add_option("--noise", d.noise, "synthetic: noise std")->capture_default_str();
  app.add_option("--train-size", d.train_size, "synthetic: training samples per epoch")
      ->capture_default_str();
  app.add_option("--val-size", d.val_size, "synthetic: held-out samples")->capture_default_str();
  app.add_option("--eval-samples", d.eval_samples, "score at most this many held-out samples (0: all)");
  app.add_option("--eval-batch-size", d.eval_batch_size, "global evaluation batch (0: --batch-size)");
}

void AddRunFlags(CLI::App& app, tr::RunConfig& r) {
  app.add_option("--steps,--step-end", r.step_end, "run until this step (AUTOTUNE_STEP_END)")
      ->capture_default_str();
  app.add_option("--step-begin", r.step_begin, "first step (AUTOTUNE_STEP_BEGIN)")->capture_default_str();
  app.add_option("--resume-from", r.resume_from, "checkpoint to continue (AUTOTUNE_RESUME_FROM)");
  app.add_option("--checkpoint-dir", r.checkpoint_dir,
                 "where to write the checkpoint (AUTOTUNE_CHECKPOINT_DIR)");
  app.add_option("--init-from", r.init_from, "start a fine-tune from this (pretraining) checkpoint");
  app.add_option("--init-mode", r.init_mode, "with --init-from: backbone | all")->capture_default_str();
  app.add_flag("--reset-classifier", r.reset_classifier, "with --init-mode all: new classification layer");
  app.add_option("--seed", r.seed, "seed (AUTOTUNE_SEED)")->capture_default_str();
  app.add_option("--nproc", r.nproc, "local ranks to start")->capture_default_str();
  app.add_option("--threads", r.threads, "threads per rank (0: cores / ranks)")->capture_default_str();
  app.add_option("--log-interval", r.log_interval, "steps between AUTOTUNE lines")->capture_default_str();
  app.add_option("--device", r.device, "cpu | cuda")->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  tr::TrainConfig config;
  CLI::App app{
      "autotune-trainer: a class-sharded margin-softmax classifier speaking autotune's trial protocol"};
  // A flag given twice takes its last value, so a trial command's defaults can
  // be overridden by appending.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  AddParamFlags(app, config.params);
  AddDataFlags(app, config.data);
  AddRunFlags(app, config.run);

  tr::PrepareOptions prepare;
  CLI::App* prepare_cmd = app.add_subcommand("prepare", "shuffle PLSC base64 files and split them per rank");
  prepare_cmd->add_option("inputs", prepare.inputs, "base64(jpeg)<TAB>label files")->required();
  prepare_cmd->add_option("--out", prepare.out_dir, "output directory")->required();
  prepare_cmd->add_option("--parts", prepare.parts, "part files (ranks)")->capture_default_str();
  prepare_cmd->add_option("--seed", prepare.seed, "shuffle seed")->capture_default_str();
  prepare_cmd->add_option("--val-fraction", prepare.val_fraction, "share held out")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "autotune-trainer: " << e.what() << std::endl;
    return tr::kExitBadInput;
  }
  if (prepare_cmd->parsed()) return tr::RunPrepare(prepare);

  const autotune::Status env = tr::ApplyProtocolEnv(tr::ProcessEnv(), &config);
  if (!env.ok()) {
    std::cerr << "autotune-trainer: " << env.message() << std::endl;
    return tr::kExitBadInput;
  }
  return tr::RunTrainer(config, std::vector<std::string>(argv, argv + argc));
}
