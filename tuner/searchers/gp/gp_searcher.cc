#include <algorithm>
#include <cmath>
#include <optional>

#include "tuner/core/options.h"
#include "tuner/core/rng.h"
#include "tuner/searchers/gp/acquisition.h"
#include "tuner/searchers/gp/data.h"
#include "tuner/searchers/gp/fit.h"
#include "tuner/searchers/gp/gp.h"
#include "tuner/searchers/sobol.h"

namespace autotune {
namespace {

using gp::GpData;
using gp::KernelInputs;
using gp::KernelParams;

constexpr std::size_t kCoarsePoints = 64;
constexpr std::size_t kFitPoints = 100;

struct GpOptions {
  std::int64_t n_initial = 0;
  gp::AcquisitionOptions acquisition;
  std::size_t max_points = 256;
  int fit_restarts = 2;
  std::string liar = "believer";
  bool deterministic = false;
  double tail = 2;
};

// The fitted model's ingredients, shared by the suggestions of one call.
struct Fitted {
  KernelInputs in;    // the modelled observations
  Eigen::VectorXd y;  // their standardised losses
  KernelParams params;
  double best = 0;  // the smallest standardised loss
  Eigen::VectorXd incumbent;
  double lie = 0;  // the standardised value given to points in flight
  // The model of the observations alone (kriging believer lies come from it).
  std::optional<gp::GpModel> observed;
};

KernelInputs Inputs(const std::vector<Eigen::VectorXd>& xs, const std::vector<std::size_t>& idx,
                    const std::vector<bool>& categorical) {
  KernelInputs in{
      Eigen::MatrixXd(static_cast<Eigen::Index>(categorical.size()), static_cast<Eigen::Index>(idx.size())),
      categorical};
  for (std::size_t k = 0; k < idx.size(); ++k) in.x.col(static_cast<Eigen::Index>(k)) = xs[idx[k]];
  return in;
}

KernelInputs Columns(const KernelInputs& in, const std::vector<std::size_t>& idx) {
  KernelInputs out{Eigen::MatrixXd(in.x.rows(), static_cast<Eigen::Index>(idx.size())), in.categorical};
  for (std::size_t k = 0; k < idx.size(); ++k) {
    out.x.col(static_cast<Eigen::Index>(k)) = in.x.col(static_cast<Eigen::Index>(idx[k]));
  }
  return out;
}

Eigen::VectorXd Rows(const Eigen::VectorXd& y, const std::vector<std::size_t>& idx) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(idx.size()));
  for (std::size_t k = 0; k < idx.size(); ++k)
    out[static_cast<Eigen::Index>(k)] = y[static_cast<Eigen::Index>(idx[k])];
  return out;
}

class GpSearcher : public Searcher {
 public:
  GpSearcher(const SearchSpace& space, std::uint64_t seed, GpOptions options)
      : space_(space), seed_(seed), options_(std::move(options)), sobol_(space.dims(), seed) {
    for (std::size_t i = 0; i < space.dims(); ++i) {
      dims_.push_back({space.Cardinality(i), space.IsCategorical(i)});
      categorical_.push_back(space.IsCategorical(i));
    }
  }

  StatusOr<std::vector<Params>> Suggest(const History& history, int n) override {
    GpData data = gp::CollectData(history, space_);
    std::optional<Fitted> fitted;
    std::vector<Params> out;
    for (int k = 0; k < n; ++k) {
      const std::uint64_t number = history.trials.size() + static_cast<std::uint64_t>(k);
      const bool initial = static_cast<std::int64_t>(number) < options_.n_initial &&
                           static_cast<std::int64_t>(data.measured) < options_.n_initial;
      std::optional<Eigen::VectorXd> x;
      if (!initial && data.measured >= 2) {
        if (!fitted) fitted = Fit(data);
        x = Propose(*fitted, data, number);
      }
      if (!x) x = SobolPoint(number);
      Params p = space_.Decode(std::vector<double>(x->data(), x->data() + x->size()));
      data.taken.insert(p);
      data.in_flight.push_back(*x);
      out.push_back(std::move(p));
    }
    return out;
  }

 private:
  Eigen::VectorXd SobolPoint(std::uint64_t number) const {
    Eigen::VectorXd x(static_cast<Eigen::Index>(space_.dims()));
    sobol_.Point(number, x.data());
    gp::SnapToCells(dims_, &x);
    return x;
  }

  Fitted Fit(const GpData& data) const {
    Fitted f;
    const std::vector<std::size_t> idx = gp::SelectSubset(data.loss, options_.max_points);
    f.in = Inputs(data.x, idx, categorical_);
    Eigen::VectorXd loss(static_cast<Eigen::Index>(idx.size()));
    for (std::size_t k = 0; k < idx.size(); ++k) loss[static_cast<Eigen::Index>(k)] = data.loss[idx[k]];
    f.y = gp::ModelTargets(loss, options_.tail);
    Eigen::Index best_at = 0;
    f.best = f.y.minCoeff(&best_at);
    f.incumbent = f.in.x.col(best_at);
    f.lie = options_.liar == "best" ? f.best : options_.liar == "worst" ? f.y.maxCoeff() : 0.0;

    // Hyperparameters come from at most kFitPoints of the modelled points (the
    // best and the most recent): first from several starts on at most
    // kCoarsePoints of them, then refined on all kFitPoints from that optimum.
    std::vector<double> ys(f.y.data(), f.y.data() + f.y.size());
    const std::vector<std::size_t> fit_idx = gp::SelectSubset(ys, kFitPoints);
    const std::vector<std::size_t> coarse_idx = gp::SelectSubset(ys, kCoarsePoints);
    gp::FitOptions fo;
    fo.random_starts = options_.fit_restarts;
    fo.seed = Mix64(seed_ ^ data.loss.size());
    fo.deterministic = options_.deterministic;
    fo.warm_start = gp::FitKernelParams(Columns(f.in, coarse_idx), Rows(f.y, coarse_idx), fo);
    if (fit_idx.size() > coarse_idx.size()) {
      fo.include_default = false;
      fo.random_starts = 0;
      f.params = gp::FitKernelParams(Columns(f.in, fit_idx), Rows(f.y, fit_idx), fo);
    } else {
      f.params = *fo.warm_start;
    }
    if (options_.liar == "believer") {
      auto observed = gp::GpModel::Create(f.in, f.y, f.params);
      if (observed.ok()) f.observed = std::move(observed).value();
    }
    return f;
  }

  // The model's choice for trial `number`, or nothing (use Sobol) when every
  // local optimum decodes to params already taken.
  std::optional<Eigen::VectorXd> Propose(const Fitted& f, const GpData& data, std::uint64_t number) const {
    KernelInputs in = f.in;
    Eigen::VectorXd y = f.y;
    const Eigen::Index base = in.x.cols(), extra = static_cast<Eigen::Index>(data.in_flight.size());
    in.x.conservativeResize(Eigen::NoChange, base + extra);
    y.conservativeResize(base + extra);
    double var = 0;
    for (Eigen::Index k = 0; k < extra; ++k) {
      in.x.col(base + k) = data.in_flight[static_cast<std::size_t>(k)];
      y[base + k] = f.lie;
      if (f.observed)
        f.observed->Posterior(data.in_flight[static_cast<std::size_t>(k)].data(), &y[base + k], &var);
    }
    auto model = gp::GpModel::Create(std::move(in), std::move(y), f.params);
    if (!model.ok()) return std::nullopt;
    gp::AcquisitionOptions ao = options_.acquisition;
    ao.seed = Mix64(seed_ ^ Mix64(number));
    for (const auto& p : gp::MaximizeLogEi(*model, f.best, dims_, {f.incumbent}, ao)) {
      const Params params = space_.Decode(std::vector<double>(p.x.data(), p.x.data() + p.x.size()));
      if (!data.taken.count(params)) return p.x;
    }
    return std::nullopt;
  }

  SearchSpace space_;
  std::uint64_t seed_;
  GpOptions options_;
  SobolSequence sobol_;
  std::vector<gp::DimInfo> dims_;
  std::vector<bool> categorical_;
};

}  // namespace

StatusOr<std::unique_ptr<Searcher>> MakeGpSearcher(const Options& options, const SearchSpace& space,
                                                   std::uint64_t seed) {
  OptionReader r(options);
  GpOptions o;
  const auto d = static_cast<std::int64_t>(space.dims());
  o.n_initial = r.Int("n_initial", std::max<std::int64_t>(5, d + 1), 1, 1'000'000);
  o.acquisition.n_candidates = static_cast<int>(r.Int("n_candidates", 2048, 16, 1 << 20));
  o.acquisition.n_local = static_cast<int>(r.Int("n_local", 10, 1, 1000));
  o.max_points = static_cast<std::size_t>(r.Int("max_points", 256, 16, 100'000));
  o.fit_restarts = static_cast<int>(r.Int("fit_restarts", 2, 0, 100));
  o.liar = r.String("liar", "believer", {"believer", "best", "mean", "worst"});
  o.deterministic = r.Bool("deterministic", false);
  o.tail = r.Double("tail", 2.0, 0.0, 1e300);
  AT_RETURN_IF_ERROR(r.Finish());
  return std::unique_ptr<Searcher>(new GpSearcher(space, seed, std::move(o)));
}

}  // namespace autotune
