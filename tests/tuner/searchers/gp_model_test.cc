// The GP's numerical parts: posterior, hyperparameter objective, log EI and
// the acquisition optimiser.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tuner/searchers/gp/acquisition.h"
#include "tuner/searchers/gp/fit.h"
#include "tuner/searchers/gp/log_ei.h"
#include "tuner/searchers/gp/model.h"

namespace autotune::gp {
namespace {

// Matérn-5/2 of a distance r, written out independently of kernel.cc.
double MaternOfDistance(double r) {
  const double a = std::sqrt(5.0) * r;
  return (1 + a + a * a / 3) * std::exp(-a);
}

TEST(GpModelTest, PosteriorMatchesTwoPointHandComputation) {
  const double lambda = 4, s = 1.5, noise = 0.1;
  KernelInputs in{Eigen::MatrixXd(1, 2), {false}};
  in.x << 0.2, 0.7;
  Eigen::VectorXd y(2);
  y << 1.0, -1.0;
  auto model = GpModel::Create(in, y, {Eigen::VectorXd::Constant(1, lambda), s, noise});
  ASSERT_TRUE(model.ok());

  // K = [[a, b], [b, a]], K⁻¹ = [[a, −b], [−b, a]] / (a² − b²).
  const double sl = std::sqrt(lambda);
  const double a = s + noise, b = s * MaternOfDistance(sl * 0.5), det = a * a - b * b;
  const double x = 0.5;
  const double k1 = s * MaternOfDistance(sl * std::abs(x - 0.2)),
               k2 = s * MaternOfDistance(sl * std::abs(x - 0.7));
  const double alpha1 = (a * 1.0 - b * -1.0) / det, alpha2 = (-b * 1.0 + a * -1.0) / det;
  const double expected_mean = k1 * alpha1 + k2 * alpha2;
  const double expected_var = s - (a * k1 * k1 - 2 * b * k1 * k2 + a * k2 * k2) / det;

  double mean, var;
  model->Posterior(&x, &mean, &var);
  EXPECT_NEAR(mean, expected_mean, 1e-12);
  EXPECT_NEAR(var, expected_var, 1e-12);
  // Hand-checked magnitudes: the mean leans to the nearer point (0.7, y = −1).
  EXPECT_LT(mean, 0);
  EXPECT_GT(var, 0);
  EXPECT_LT(var, s);
}

KernelInputs MixedInputs(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  KernelInputs in{Eigen::MatrixXd(3, n), {false, true, false}};
  for (int c = 0; c < n; ++c) in.x.col(c) << u(rng), (c % 3 + 0.5) / 3, u(rng);
  return in;
}

Eigen::VectorXd Targets(const KernelInputs& in) {
  Eigen::VectorXd y(in.x.cols());
  for (Eigen::Index c = 0; c < y.size(); ++c)
    y[c] = std::sin(5 * in.x(0, c)) + in.x(1, c) - in.x(2, c) * in.x(2, c);
  return y;
}

KernelParams SomeParams() {
  Eigen::VectorXd lambda(3);
  lambda << 3.0, 0.5, 1.2;
  return {lambda, 0.8, 0.01};
}

TEST(GpModelTest, PosteriorGradientMatchesFiniteDifferences) {
  auto in = MixedInputs(12, 1);
  auto model = GpModel::Create(in, Targets(in), SomeParams());
  ASSERT_TRUE(model.ok());
  Eigen::VectorXd x(3);
  x << 0.37, 0.5, 0.61;
  double mean, var;
  Eigen::VectorXd dmean, dvar;
  model->PosteriorWithGradient(x.data(), &mean, &var, &dmean, &dvar);
  for (int i : {0, 2}) {
    const double h = 1e-6;
    Eigen::VectorXd xp = x, xm = x;
    xp[i] += h, xm[i] -= h;
    double mp, vp, mm, vm;
    model->Posterior(xp.data(), &mp, &vp);
    model->Posterior(xm.data(), &mm, &vm);
    EXPECT_NEAR(dmean[i], (mp - mm) / (2 * h), 1e-5) << "dim " << i;
    EXPECT_NEAR(dvar[i], (vp - vm) / (2 * h), 1e-5) << "dim " << i;
  }
  EXPECT_EQ(dmean[1], 0);  // categorical: no gradient
}

TEST(GpModelTest, BatchPosteriorMatchesSinglePoints) {
  auto in = MixedInputs(10, 2);
  auto model = GpModel::Create(in, Targets(in), SomeParams());
  ASSERT_TRUE(model.ok());
  auto xs = MixedInputs(5, 3).x;
  Eigen::VectorXd mean, var;
  model->PosteriorBatch(xs, &mean, &var);
  for (Eigen::Index c = 0; c < xs.cols(); ++c) {
    double m, v;
    model->Posterior(xs.col(c).data(), &m, &v);
    EXPECT_NEAR(mean[c], m, 1e-10);
    EXPECT_NEAR(var[c], v, 1e-10);
  }
}

TEST(GpModelTest, DuplicateInputsWithTinyNoiseStillFactorise) {
  KernelInputs in{Eigen::MatrixXd::Constant(2, 4, 0.5), {false, false}};
  Eigen::VectorXd y(4);
  y << 1, 1.0000001, 0.9999999, 1;
  auto model = GpModel::Create(in, y, {Eigen::VectorXd::Ones(2), 1.0, kMinNoise});
  ASSERT_TRUE(model.ok());
  double mean, var;
  const double x[2] = {0.5, 0.5};
  model->Posterior(x, &mean, &var);
  EXPECT_NEAR(mean, 1, 1e-3);
}

TEST(GpFitTest, LogPosteriorGradientMatchesFiniteDifferences) {
  auto in = MixedInputs(15, 4);
  const Eigen::VectorXd y = Targets(in);
  const Eigen::VectorXd theta = ToTheta(SomeParams());
  Eigen::VectorXd grad;
  LogPosterior(in, y, theta, &grad);
  for (Eigen::Index i = 0; i < theta.size(); ++i) {
    const double h = 1e-5;
    Eigen::VectorXd tp = theta, tm = theta;
    tp[i] += h, tm[i] -= h;
    const double fd = (LogPosterior(in, y, tp, nullptr) - LogPosterior(in, y, tm, nullptr)) / (2 * h);
    EXPECT_NEAR(grad[i], fd, 1e-4 * std::max(1.0, std::abs(fd))) << "parameter " << i;
  }
}

TEST(GpFitTest, FitGivesTheIrrelevantDimensionTheLongerLengthScale) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  KernelInputs in{Eigen::MatrixXd(2, 40), {false, false}};
  Eigen::VectorXd y(40);
  for (int c = 0; c < 40; ++c) {
    in.x.col(c) << u(rng), u(rng);
    y[c] = std::sin(6 * in.x(0, c));
  }
  y = (y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().mean());
  FitOptions options;
  options.random_starts = 2;
  const KernelParams fitted = FitKernelParams(in, y, options);
  EXPECT_GT(fitted.inv_sq_lengthscales[0], 10 * fitted.inv_sq_lengthscales[1]);
  EXPECT_LT(fitted.noise, 0.05);  // a noise-free target is not explained as noise
  // The fit improves on its default start.
  const KernelParams start{Eigen::VectorXd::Ones(2), 1.0, 1e-2};
  EXPECT_GT(LogPosterior(in, y, ToTheta(fitted), nullptr), LogPosterior(in, y, ToTheta(start), nullptr));
}

// log(σ·(φ(z) + zΦ(z))) straight from the definition (valid for moderate z).
double DirectLogEi(double mean, double var, double best) {
  const double sigma = std::sqrt(var), z = (best - mean) / sigma;
  const double phi = std::exp(-z * z / 2) / std::sqrt(2 * M_PI), cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  return std::log(sigma * (phi + z * cdf));
}

TEST(LogEiTest, FiniteAndDecreasingInTheMeanForZFromMinus40To40) {
  const double best = 0.3, var = 0.04, sigma = 0.2;
  double previous = std::numeric_limits<double>::infinity();
  for (double z = 40; z >= -40; z -= 0.05) {
    const double mean = best - z * sigma;  // larger mean, smaller z
    const double v = LogExpectedImprovement(mean, var, best);
    ASSERT_TRUE(std::isfinite(v)) << "z = " << z;
    EXPECT_LT(v, previous) << "z = " << z;
    previous = v;
  }
}

TEST(LogEiTest, MatchesTheDefinitionWhereItIsComputable) {
  for (double z = -8; z <= 8; z += 0.25) {
    EXPECT_NEAR(LogExpectedImprovement(-z, 1.0, 0.0), DirectLogEi(-z, 1.0, 0.0), 1e-10) << "z = " << z;
  }
}

TEST(LogEiTest, AsymptoticBranchJoinsTheDirectOneAndFollowsTheTail) {
  // Continuity at the switch, and log h(z) ≈ −z²/2 − log(√(2π)·z²) far out.
  EXPECT_NEAR(LogH(-25.0 - 1e-9), LogH(-25.0 + 1e-9) - 2e-9 * LogHSlope(-25.0), 1e-9);
  for (double z : {-30.0, -100.0, -1e4}) {
    EXPECT_NEAR(LogH(z), -z * z / 2 - std::log(std::sqrt(2 * M_PI) * z * z), 4.0 / (z * z)) << z;
  }
}

TEST(LogEiTest, SlopeMatchesFiniteDifferences) {
  for (double z : {-35.0, -25.5, -24.5, -5.0, 0.0, 3.0, 30.0}) {
    const double h = 1e-5;
    EXPECT_NEAR(LogHSlope(z), (LogH(z + h) - LogH(z - h)) / (2 * h), 1e-5 * std::max(1.0, std::abs(z))) << z;
  }
}

TEST(AcquisitionTest, GradientOfLogEiMatchesFiniteDifferences) {
  auto in = MixedInputs(12, 6);
  auto model = GpModel::Create(in, Targets(in), SomeParams());
  ASSERT_TRUE(model.ok());
  Eigen::VectorXd x(3), grad;
  x << 0.8, 0.5, 0.1;
  LogEiAt(*model, -1.0, x, &grad);
  for (int i : {0, 2}) {
    Eigen::VectorXd xp = x, xm = x;
    xp[i] += 1e-6, xm[i] -= 1e-6;
    EXPECT_NEAR(grad[i], (LogEiAt(*model, -1.0, xp, nullptr) - LogEiAt(*model, -1.0, xm, nullptr)) / 2e-6,
                1e-4);
  }
}

TEST(AcquisitionTest, OptimumBeatsEveryCandidateAndSitsOnCellCentres) {
  auto in = MixedInputs(12, 7);
  const Eigen::VectorXd y = Targets(in);
  auto model = GpModel::Create(in, y, SomeParams());
  ASSERT_TRUE(model.ok());
  const std::vector<DimInfo> dims = {{0, false}, {3, true}, {5, false}};  // float, categorical, int
  AcquisitionOptions options;
  options.n_candidates = 256;
  options.n_local = 3;
  const double best = y.minCoeff();
  auto proposals = MaximizeLogEi(*model, best, dims, {}, options);
  ASSERT_FALSE(proposals.empty());
  const Proposal& top = proposals.front();
  for (const auto& p : proposals) EXPECT_LE(p.log_ei, top.log_ei);
  EXPECT_NEAR(top.log_ei, LogEiAt(*model, best, top.x, nullptr), 1e-12);
  Eigen::VectorXd snapped = top.x;
  SnapToCells(dims, &snapped);
  EXPECT_EQ(snapped, top.x);
  EXPECT_GE(top.x[0], 0.0);
  EXPECT_LE(top.x[0], 1.0);
  // No scored candidate is better than the polished optimum.
  for (int c = 0; c < 256; c += 7) {
    Eigen::VectorXd x = MixedInputs(1, 100 + c).x.col(0);
    SnapToCells(dims, &x);
    EXPECT_LE(LogEiAt(*model, best, x, nullptr), top.log_ei + 1e-9);
  }
}

}  // namespace
}  // namespace autotune::gp
