// Maximises log EI over the search space's unit cube, Optuna-style: score
// many scrambled-Sobol candidates at once, then polish the best few (plus any
// caller-given starts, e.g. the incumbent) by local search. Ordered dimensions
// with many values move by L-BFGS-B on the continuous relaxation (ints are
// snapped to their value's cell centre afterwards); categoricals and ints with
// few values are searched exhaustively one dimension at a time, alternating
// with the continuous step until nothing improves.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "tuner/searchers/gp/model.h"

namespace autotune::gp {

// One unit-cube dimension: cardinality 0 is a continuous float; otherwise it
// has that many equal cells (SearchSpace encoding) and points sit at centres.
struct DimInfo {
  std::int64_t cardinality = 0;
  bool categorical = false;
};

struct AcquisitionOptions {
  int n_candidates = 2048;
  int n_local = 10;  // local searches from the best distinct candidates
  // Ints with at most this many values are scanned exhaustively.
  std::int64_t max_scan = 64;
  std::uint64_t seed = 0;  // scrambles the candidate sequence
};

struct Proposal {
  Eigen::VectorXd x;  // in the unit cube, discrete dims at cell centres
  double log_ei = 0;
};

// Moves every discrete coordinate to the centre of its cell.
void SnapToCells(const std::vector<DimInfo>& dims, Eigen::VectorXd* x);

// Log EI (minimising, incumbent `best`) at x, with its gradient when asked.
double LogEiAt(const GpModel& model, double best, const Eigen::VectorXd& x, Eigen::VectorXd* grad);

// Local optima of log EI from distinct starts, best first (at least one).
std::vector<Proposal> MaximizeLogEi(const GpModel& model, double best, const std::vector<DimInfo>& dims,
                                    const std::vector<Eigen::VectorXd>& extra_starts,
                                    const AcquisitionOptions& options);

}  // namespace autotune::gp
