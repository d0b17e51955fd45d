// Log expected improvement, computed without underflow far from the incumbent.
// For a minimised target with posterior N(μ, σ²) and incumbent `best`:
//   EI = σ·h(z),  z = (best − μ)/σ,  h(z) = φ(z) + z·Φ(z),
//   log EI = log σ + log h(z).
// h(z) underflows to 0 for z < −38, so for very negative z log h comes from the
// asymptotic (erfcx-style) series h(z) = φ(z)/z²·(1 − 3/z² + 15/z⁴ − 105/z⁶ + 945/z⁸ − …).
#pragma once

namespace autotune::gp {

// log h(z), finite for every finite z.
double LogH(double z);
// d/dz log h(z) = Φ(z)/h(z) > 0.
double LogHSlope(double z);

// log EI of a minimised target; var > 0.
double LogExpectedImprovement(double mean, double var, double best);

}  // namespace autotune::gp
