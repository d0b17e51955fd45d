// The trainer's entry points, called by main.cc after option parsing. No
// LibTorch in this header, so main.cc stays cheap to compile.
#pragma once

#include <string>
#include <vector>

#include "trainer/data/plsc.h"
#include "trainer/train/config.h"

namespace autotune::trainer {

// Exit codes of autotune-trainer.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // the run failed (data, NaN loss, a dead rank, I/O)
inline constexpr int kExitBadInput = 2;  // params, options or inputs rejected before training

// Validates everything that can be checked before starting (params, options,
// margins, optimiser) and reports the first problem as one line on stderr
// (kExitBadInput). Then:
//  - inside a rank started by a launcher (AUTOTUNE_TRAINER_RANK set), or with
//    run.nproc == 1: trains this rank's part of the segment
//    [step_begin, step_end) (RunRank);
//  - with run.nproc > 1: hosts the rendezvous store, re-executes this program
//    (`argv`) once per rank and waits for the ranks (launch/launcher.h).
int RunTrainer(const TrainConfig& config, const std::vector<std::string>& argv);

// One rank of a world of `world` (port: the rendezvous store; ignored when
// world is 1). Resumes from run.resume_from or initialises from
// run.init_from; trains; rank 0 prints `AUTOTUNE {...}` metric lines on
// stdout (every log_interval steps, with val_acc every eval_interval steps and
// at the end); writes the checkpoint to run.checkpoint_dir (COMPLETE last).
// Errors are one line on stderr and a non-zero return.
int RunRank(const TrainConfig& config, int rank, int world, int port);

// `autotune-trainer prepare`: prints what it wrote, or the problem.
int RunPrepare(const PrepareOptions& options);

}  // namespace autotune::trainer
