// The one place that maps searcher.algorithm names to implementations.
#include "tuner/searchers/auto.h"
#include "tuner/searchers/gp/gp.h"
#include "tuner/searchers/grid.h"
#include "tuner/searchers/hazero.h"
#include "tuner/searchers/pshe2.h"
#include "tuner/searchers/random.h"
#include "tuner/searchers/searcher.h"
#include "tuner/searchers/sobol.h"
#include "tuner/searchers/tpe.h"
// searcher-includes (keep this marker: one include per algorithm above it)

namespace autotune {

StatusOr<std::unique_ptr<Searcher>> MakeSearcher(const AlgorithmSpec& spec, const SearchSpace& space,
                                                 std::uint64_t seed, int max_parallel, int max_trials) {
  const std::string& a = spec.algorithm;
  // Searchers take scalar options only.
  if (!spec.lists.empty() || !spec.mutations.empty() || !spec.schedule.empty()) {
    const std::string name = !spec.lists.empty() ? spec.lists.begin()->first
                             : !spec.mutations.empty() ? "mutations" : "schedule";
    return Status::InvalidArgument("must be a number, string or boolean", "searcher." + name);
  }
  if (a == "auto") return MakeAutoSearcher(spec.options, space, seed, max_parallel, max_trials);
  if (a == "grid") return MakeGridSearcher(spec.options, space, seed);
  if (a == "random") return MakeRandomSearcher(spec.options, space, seed);
  if (a == "sobol") return MakeSobolSearcher(spec.options, space, seed);
  if (a == "tpe") return MakeTpeSearcher(spec.options, space, seed, max_trials);
  if (a == "gp") return MakeGpSearcher(spec.options, space, seed);
  if (a == "hazero") return MakeHazeroSearcher(spec.options, space, seed, max_parallel, max_trials);
  if (a == "pshe2") return MakePshe2Searcher(spec.options, space, seed);
  // searcher-branches (keep this marker: one `if` per algorithm above it)
  return Status::InvalidArgument(
      "unknown algorithm '" + a + "' (expected one of auto, grid, random, sobol, gp, tpe, hazero, pshe2)",
      "searcher.algorithm");
}

}  // namespace autotune
