#include "tuner/searchers/random.h"

#include "tuner/core/options.h"
#include "tuner/core/rng.h"

namespace autotune {
namespace {

class RandomSearcher : public Searcher {
 public:
  RandomSearcher(SearchSpace space, std::uint64_t seed) : space_(std::move(space)), seed_(seed) {}

  StatusOr<std::vector<Params>> Suggest(const History& history, int n) override {
    std::vector<Params> out;
    for (int k = 0; k < n; ++k) {
      out.push_back(space_.Decode(RandomUnitPoint(space_.dims(), seed_, history.trials.size() + k)));
    }
    return out;
  }

 private:
  SearchSpace space_;
  std::uint64_t seed_;
};

}  // namespace

std::vector<double> RandomUnitPoint(std::size_t dims, std::uint64_t seed, std::uint64_t number) {
  auto rng = StreamRng(seed, number);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> x(dims);
  for (auto& v : x) v = u(rng);
  return x;
}

StatusOr<std::unique_ptr<Searcher>> MakeRandomSearcher(const Options& options, const SearchSpace& space,
                                                       std::uint64_t seed) {
  OptionReader reader(options);
  AT_RETURN_IF_ERROR(reader.Finish());
  return std::unique_ptr<Searcher>(new RandomSearcher(space, seed));
}

}  // namespace autotune
