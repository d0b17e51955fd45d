#include "tuner/searchers/pshe2.h"

#include <algorithm>
#include <limits>

#include "tuner/core/options.h"
#include "tuner/searchers/hazero_rounds.h"

namespace autotune {
namespace {

using rounds::Point;

constexpr std::uint64_t kRoundStreamTag = 0x70736865322d726bULL;

struct Pshe2Options {
  int popsize = 5;
  double alpha = 0.5;
  double epsilon = 0.2;
};

void Push(Point& x, double e, rounds::RoundRng& rng) {
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (double& v : x) {
    const double r = uniform(rng);
    v += r >= 0 ? e * r * (1.0 - v) : e * r * (v + 1.0);
  }
}

struct Particle {
  Point x, momentum, best;
  double best_loss = std::numeric_limits<double>::infinity();
};

class Pshe2Rounds : public rounds::RoundAlgorithm {
 public:
  Pshe2Rounds(Point start, const Pshe2Options& options, std::uint64_t seed)
      : start_(std::move(start)), options_(options), seed_(seed) {}

  std::vector<Point> Ask(int round) override {
    rounds::RoundRng rng(seed_ ^ kRoundStreamTag, static_cast<std::uint64_t>(round));
    std::vector<Point> out;
    if (particles_.empty()) {
      for (int i = 0; i < options_.popsize; ++i) {
        Point x = start_;
        Push(x, 1.0, rng);
        out.push_back(std::move(x));
      }
      return out;
    }
    // k counts the rounds told so far, so a round whose trials all failed
    // (never told) does not advance the schedule.
    const double a = options_.alpha;
    const double decay = 1.0 - 3.0 * a / static_cast<double>(told_);
    pending_momentum_.clear();
    for (const Particle& p : particles_) {
      Point x = p.x, m = p.momentum;
      for (std::size_t j = 0; j < x.size(); ++j) {
        m[j] = decay * m[j] - a * (x[j] - p.best[j]) - a * (x[j] - gbest_[j]);
        x[j] = std::clamp(x[j] + a * m[j], -1.0, 1.0);
      }
      Push(x, options_.epsilon, rng);
      out.push_back(std::move(x));
      pending_momentum_.push_back(std::move(m));
    }
    return out;
  }

  // The first told round creates the particles (a round 0 whose trials all
  // failed is asked again the same way, with the next round's draws).
  void Tell(int round, const std::vector<Point>& points, const std::vector<double>& losses) override {
    (void)round;
    if (particles_.empty()) {
      particles_.resize(points.size());
      for (auto& p : particles_) p.momentum.assign(start_.size(), 0.0);
    } else {
      for (std::size_t i = 0; i < particles_.size(); ++i) particles_[i].momentum = pending_momentum_[i];
    }
    ++told_;
    for (std::size_t i = 0; i < points.size(); ++i) {
      Particle& p = particles_[i];
      p.x = points[i];
      if (losses[i] < p.best_loss) p.best = points[i], p.best_loss = losses[i];
      if (losses[i] < gbest_loss_) gbest_ = points[i], gbest_loss_ = losses[i];
    }
  }

 private:
  Point start_;
  Pshe2Options options_;
  std::uint64_t seed_;
  std::vector<Particle> particles_;
  std::vector<Point> pending_momentum_;  // momenta of the round last asked
  int told_ = 0;
  Point gbest_;
  double gbest_loss_ = std::numeric_limits<double>::infinity();
};

class Pshe2Searcher : public Searcher {
 public:
  Pshe2Searcher(SearchSpace space, Pshe2Options options, std::uint64_t seed)
      : space_(std::move(space)), options_(options), seed_(seed) {}

  StatusOr<std::vector<Params>> Suggest(const History& history, int n) override {
    Pshe2Rounds algorithm(rounds::StartPoint(space_, history), options_, seed_);
    return rounds::SuggestByRounds(algorithm, space_, history, n);
  }

 private:
  SearchSpace space_;
  Pshe2Options options_;
  std::uint64_t seed_;
};

}  // namespace

StatusOr<std::unique_ptr<Searcher>> MakePshe2Searcher(const Options& options, const SearchSpace& space,
                                                      std::uint64_t seed) {
  OptionReader reader(options);
  Pshe2Options o;
  o.popsize = static_cast<int>(reader.Int("popsize", o.popsize, 1, 100000));
  o.alpha = reader.Double("alpha", o.alpha, 0.0, 2.0);
  o.epsilon = reader.Double("epsilon", o.epsilon, 0.0, 1.0);
  AT_RETURN_IF_ERROR(reader.Finish());
  return std::unique_ptr<Searcher>(new Pshe2Searcher(space, o, seed));
}

}  // namespace autotune
