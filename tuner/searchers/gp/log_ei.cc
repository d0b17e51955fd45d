#include "tuner/searchers/gp/log_ei.h"

#include <cmath>

namespace autotune::gp {
namespace {

constexpr double kHalfLog2Pi = 0.91893853320467274;
// Below this z the direct formula loses too many digits to cancellation
// (h ≈ φ/z² while φ and z·Φ are each ≈ φ): there both agree to ~1e-10 in log h.
constexpr double kAsymptoticBelow = -25;

double Phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }
double SmallPhi(double z) { return std::exp(-0.5 * z * z - kHalfLog2Pi); }

}  // namespace

double LogH(double z) {
  if (z >= kAsymptoticBelow) return std::log(SmallPhi(z) + z * Phi(z));
  const double t = 1 / (z * z);
  // 1 − 3t + 15t² − 105t³ + 945t⁴ − 10395t⁵
  const double series = t * (-3 + t * (15 + t * (-105 + t * (945 + t * -10395))));
  return -0.5 * z * z - kHalfLog2Pi + std::log(t) + std::log1p(series);
}

double LogHSlope(double z) {
  if (z >= kAsymptoticBelow) return Phi(z) / (SmallPhi(z) + z * Phi(z));
  // Φ(z) = φ(z)/|z|·(1 − t + 3t² − 15t³ + 105t⁴ − 945t⁵), h(z) as above.
  const double t = 1 / (z * z);
  const double num = 1 + t * (-1 + t * (3 + t * (-15 + t * (105 + t * -945))));
  const double den = 1 + t * (-3 + t * (15 + t * (-105 + t * (945 + t * -10395))));
  return -z * num / den;
}

double LogExpectedImprovement(double mean, double var, double best) {
  const double sigma = std::sqrt(var);
  return std::log(sigma) + LogH((best - mean) / sigma);
}

}  // namespace autotune::gp
