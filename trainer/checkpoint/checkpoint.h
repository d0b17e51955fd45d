// Checkpoints: a directory that any world size can load.
//
//   manifest.json          format version, num_classes, embedding_size,
//                          world_size, step, backbone options, shard optimiser
//                          kind, and the caller's params / data position / RNG
//                          state (opaque JSON, written and read back verbatim)
//   backbone.pt            the replicated backbone (rank 0's copy)
//   optimizer.pt           the backbone's torch::optim optimiser (if given)
//   shard-RRRRR-of-WWWWW.pt one per rank: its class rows [begin, end), the
//                          weight rows and the optimiser slots of those rows
//   COMPLETE               written last (trial protocol): a directory without
//                          it is an incomplete checkpoint and is never loaded
//
// Every file is written under a temporary name and renamed into place.
// Loading at a different world size re-shards automatically: each rank reads
// the rows ShardRange(num_classes, its world, its rank) from whichever shard
// files hold them, weights and optimiser slots alike.
//
// Errors come back as Status with a one-line message naming the directory and
// the problem: kFailedPrecondition for an incomplete checkpoint or one whose
// model does not match (embedding size, backbone, class count), kInvalidArgument
// for a corrupt one (bad JSON, unknown format version, missing or unreadable
// file, wrong shapes), kUnavailable for I/O failures while saving.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "trainer/checkpoint/manifest.h"
#include "trainer/comm/communicator.h"
#include "trainer/model/backbone.h"
#include "trainer/model/sharded_classifier.h"
#include "tuner/core/status.h"

namespace autotune::trainer {

// Collective: every rank calls it with its own classifier shard; rank 0
// writes the manifest (its own step/params/data_position/rng_state), the
// backbone and `backbone_optimizer` (may be null); each rank writes its shard;
// after a barrier rank 0 writes COMPLETE; a final barrier makes the checkpoint
// complete on return on every rank. `dir` is created if missing; a stale
// COMPLETE in it is removed first.
Status SaveCheckpoint(Communicator& comm, const std::string& dir, const CheckpointManifest& manifest,
                      BackboneImpl& backbone, torch::optim::Optimizer* backbone_optimizer,
                      const ShardedClassifier& classifier);

// Reads and validates manifest.json of a complete checkpoint.
StatusOr<CheckpointManifest> ReadCheckpointManifest(const std::string& dir);

struct LoadOptions {
  // false: backbone only (fine-tuning onto new classes: the class count may
  // differ and the classifier argument may be null).
  bool load_classifier = true;
  // false: weights only; the optimiser states keep their current values.
  bool load_optimizer_state = true;
};

// Not collective (each rank reads what it needs). Loads into the live objects,
// which must already have the checkpoint's shapes: the backbone's options must
// equal the manifest's, the classifier's embedding size (and class count when
// load_classifier) too; its world size may differ. Slots are loaded by name;
// a slot the checkpoint lacks (e.g. after switching SGD to AdamW) is zeroed.
// Returns the manifest.
StatusOr<CheckpointManifest> LoadCheckpoint(const std::string& dir, const LoadOptions& options,
                                            BackboneImpl& backbone,
                                            torch::optim::Optimizer* backbone_optimizer,
                                            ShardedClassifier* classifier);

// "shard-00001-of-00004.pt".
std::string ShardFileName(int rank, int world_size);

}  // namespace autotune::trainer
