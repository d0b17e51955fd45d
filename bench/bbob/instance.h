// The random ingredients of a BBOB instance, generated the way the BBOB 2009
// reference code (and COCO's `bbob` suite after it) generates them, so that
// function f, instance i, dimension d here is the same problem as COCO's
// bbob_f<f>_i<i>_d<d>: the same optimum x_opt, offset f_opt, rotations and
// peaks. Hansen et al., "Real-parameter black-box optimization benchmarking
// 2009: noiseless functions definitions" (INRIA RR-6829).
//
// Seeds: a problem's seed is function + 10000 * instance (f4 takes function
// 3's, f18 function 17's); a second rotation uses seed + 1000000.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace autotune::bbob {

// n uniform numbers in (0, 1) from the legacy generator (a Park-Miller
// minimal standard generator behind a 32-entry shuffle table).
std::vector<double> LegacyUniform(std::size_t n, std::int64_t seed);

// n standard normal numbers: Box-Muller on 2n legacy uniforms (the first n
// give the radii, the last n the angles).
std::vector<double> LegacyGauss(std::size_t n, std::int64_t seed);

// A d x d orthogonal matrix: d*d legacy normals, column-major, made
// orthonormal column by column (Gram-Schmidt).
Eigen::MatrixXd LegacyRotation(std::int64_t seed, int d);

// The optimum's location: uniform on the grid 8 * floor(1e4 u) / 1e4 - 4,
// inside [-4, 4]^d (0 becomes -1e-5).
Eigen::VectorXd LegacyXopt(std::int64_t seed, int d);

// The optimal value: round(100 * 100 * g1 / g2) / 100 clipped to [-1000, 1000],
// g1 and g2 normals from the function's seed + 10000 * instance (and + 1).
double LegacyFopt(int function, int instance);

// The seed of (function, instance): function + 10000 * instance, with f4 on
// function 3's and f18 on function 17's.
std::int64_t ProblemSeed(int function, int instance);

}  // namespace autotune::bbob
