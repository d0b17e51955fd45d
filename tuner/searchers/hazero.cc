#include "tuner/searchers/hazero.h"

#include <optional>

#include "tuner/searchers/cmaes/cmaes.h"
#include "tuner/searchers/hazero_rounds.h"
#include "tuner/searchers/options.h"

namespace autotune {
namespace {

constexpr std::uint64_t kGenerationStreamTag = 0x68617a65726f2d67ULL;
constexpr std::uint64_t kRestartStreamTag = 0x68617a65726f2d72ULL;

struct HazeroOptions {
  int popsize = 0;  // 0: CMA-ES default
  double sigma0 = 0.2;
};

// One replay of the history: the current CMA-ES run and its restarts.
class HazeroRounds : public rounds::RoundAlgorithm {
 public:
  HazeroRounds(const rounds::Point& start, const HazeroOptions& options, std::uint64_t seed)
      : options_(options), seed_(seed) {
    const int n = static_cast<int>(start.size());
    lambda_ = options.popsize > 0 ? options.popsize : cmaes::DefaultPopulation(n);
    es_.emplace(Eigen::Map<const Eigen::VectorXd>(start.data(), n), options.sigma0, lambda_);
  }

  std::vector<rounds::Point> Ask(int round) override {
    rounds::RoundRng rng(seed_ ^ kGenerationStreamTag, static_cast<std::uint64_t>(round));
    std::vector<rounds::Point> points;
    for (int i = 0; i < lambda_; ++i) {
      const Eigen::VectorXd x = es_->Sample(rng);
      points.emplace_back(x.data(), x.data() + x.size());
    }
    return points;
  }

  void Tell(int round, const std::vector<rounds::Point>& points, const std::vector<double>& losses) override {
    (void)round;
    std::vector<Eigen::VectorXd> xs;
    for (const auto& p : points) xs.push_back(Eigen::Map<const Eigen::VectorXd>(p.data(), p.size()));
    es_->Tell(xs, losses);
    if (!es_->ShouldStop()) return;
    // IPOP: restart from a uniform random point with twice the population.
    rounds::RoundRng rng(seed_ ^ kRestartStreamTag, static_cast<std::uint64_t>(++restarts_));
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    Eigen::VectorXd mean(es_->mean().size());
    for (auto& v : mean) v = uniform(rng);
    lambda_ *= 2;
    es_.emplace(mean, options_.sigma0, lambda_);
  }

 private:
  HazeroOptions options_;
  std::uint64_t seed_;
  int lambda_ = 0;
  int restarts_ = 0;
  std::optional<cmaes::Cmaes> es_;
};

class HazeroSearcher : public Searcher {
 public:
  HazeroSearcher(SearchSpace space, HazeroOptions options, std::uint64_t seed)
      : space_(std::move(space)), options_(options), seed_(seed) {}

  StatusOr<std::vector<Params>> Suggest(const History& history, int n) override {
    HazeroRounds algorithm(rounds::StartPoint(space_, history), options_, seed_);
    return rounds::SuggestByRounds(algorithm, space_, history, n);
  }

 private:
  SearchSpace space_;
  HazeroOptions options_;
  std::uint64_t seed_;
};

}  // namespace

StatusOr<std::unique_ptr<Searcher>> MakeHazeroSearcher(const Options& options, const SearchSpace& space,
                                                       std::uint64_t seed) {
  OptionReader reader(options);
  HazeroOptions o;
  o.popsize = static_cast<int>(reader.Int("popsize", 0, 2, 100000));
  o.sigma0 = reader.Double("sigma0", o.sigma0, 1e-6, 2.0);
  AT_RETURN_IF_ERROR(reader.Finish());
  return std::unique_ptr<Searcher>(new HazeroSearcher(space, o, seed));
}

}  // namespace autotune
