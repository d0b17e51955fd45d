// PLSC's base64 data format: one sample per line, `base64(jpeg)\tlabel`.
//
// `autotune-trainer prepare` turns any number of such files into a directory a
// multi-rank run reads: the lines shuffled globally (seeded), an optional
// held-out file carved off, and the rest split into equal-sized part files
// (the last total % parts lines are dropped so every part has the same length,
// which keeps the ranks in lockstep). A `prepare.json` records the number of
// classes, parts and lines so that every rank agrees on them without reading
// the others' files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "trainer/data/dataset.h"

namespace autotune::trainer {

struct PlscSample {
  std::string_view base64_jpeg;
  std::int64_t label = 0;
};

// Splits one line (a trailing '\r' is ignored); a missing tab or a label that
// is not a non-negative integer is InvalidArgument.
StatusOr<PlscSample> ParsePlscLine(std::string_view line);

struct PrepareOptions {
  std::vector<std::string> inputs;  // base64 files
  std::string out_dir;              // created if missing
  int parts = 1;                    // one file per rank
  std::uint64_t seed = 0;
  double val_fraction = 0;  // share of the lines moved to val.txt, in [0, 1)
};

struct PrepareReport {
  std::int64_t lines = 0;        // valid lines read
  std::int64_t num_classes = 0;  // 1 + the largest label
  std::int64_t per_part = 0;     // lines in each part file
  std::int64_t val_lines = 0;
  std::int64_t dropped = 0;  // lines left out to equalise the parts
};

// Writes out_dir/part-00000.txt .. part-<parts-1>.txt, val.txt (when
// val_fraction > 0) and prepare.json. The output depends only on the inputs
// and the seed. Memory holds an index of the lines, not the lines.
StatusOr<PrepareReport> PreparePlsc(const PrepareOptions& options);

// Opens a prepared directory for rank `rank` of `world`: the rank reads the
// parts p with p % world == rank and every world-th line of val.txt. Images
// are decoded on demand to `channels` x image_size x image_size.
StatusOr<std::unique_ptr<Dataset>> OpenPlsc(const std::string& dir, int rank, int world, int image_size,
                                            int channels);

}  // namespace autotune::trainer
