// hazero's tpe_members: generations that take some members from a TPE model
// of all trials so far (Cmaes::Admit keeps them within reach of the
// distribution), and a state that replays the same after a restart.
#include <gtest/gtest.h>

#include <cmath>

#include "tuner/searchers/cmaes/cmaes.h"
#include "tuner/searchers/hazero.h"

namespace autotune {
namespace {

SearchSpace Floats(int d) {
  std::vector<ParamSpec> params;
  const char* names[] = {"a", "b", "c", "d", "e", "f"};
  for (int i = 0; i < d; ++i) params.push_back({names[i], FloatDist{-5, 5, false, {}}, {}, 0});
  return SearchSpace::Create(params).value();
}

double Rastrigin(const Params& p) {
  double s = 0;
  for (const auto& [name, v] : p) {
    const double x = std::get<double>(v) - 1.2;
    s += x * x + 3 * (1 - std::cos(2 * M_PI * x));
  }
  return s;
}

std::unique_ptr<Searcher> Make(const SearchSpace& space, Options options, int max_trials = 0) {
  auto s = MakeHazeroSearcher(options, space, 7, 1, max_trials);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

// Whole generations (no surrogate: each Suggest returns one) until `trials`.
std::vector<std::vector<Params>> Generations(Searcher& searcher, int trials, History* h) {
  std::vector<std::vector<Params>> out;
  while (static_cast<int>(h->trials.size()) < trials) {
    auto gen = searcher.Suggest(*h, 1000);
    EXPECT_TRUE(gen.ok());
    if (!gen.ok() || gen->empty()) break;
    out.push_back(*gen);
    for (const auto& p : *gen) h->trials.push_back({p, TrialState::kCompleted, Rastrigin(p)});
  }
  return out;
}

TEST(CmaesTest, AdmitShortensFarStepsToTheCapAndKeepsNearOnes) {
  cmaes::Cmaes es(Eigen::VectorXd::Zero(4), 0.1, 8);
  const double cap = std::sqrt(4.0) + 2.0 * 4 / 6;  // √n + 2n/(n + 2)
  Eigen::VectorXd near(4), far(4);
  near << 0.05, -0.05, 0.1, 0;
  far << 0.9, 0, 0, 0;
  EXPECT_EQ(es.Admit(near), near);
  const Eigen::VectorXd admitted = es.Admit(far);
  EXPECT_NEAR(admitted.norm(), 0.1 * cap, 1e-12);  // C = I: the Mahalanobis length is |x| / σ
  EXPECT_NEAR(admitted[0], 0.1 * cap, 1e-12);
}

TEST(HazeroTpeMembersTest, LaterGenerationsEndWithTpesMembers) {
  // 3 floats: λ = 7, generations start at trials 0, 7, 14, ...; TPE members
  // join from the first generation that starts after 10 trials.
  const SearchSpace space = Floats(3);
  auto plain = Make(space, {{"surrogate", false}});
  auto mixed = Make(space, {{"surrogate", false}, {"tpe_members", std::int64_t{2}}});
  History hp, hm;
  const auto a = Generations(*plain, 21, &hp), b = Generations(*mixed, 21, &hm);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(a[0], b[0]);
  EXPECT_EQ(a[1], b[1]);
  // The third generation: CMA-ES's own first five draws, then two of TPE's.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a[2][i], b[2][i]) << i;
  EXPECT_NE(a[2][5], b[2][5]);
  EXPECT_NE(a[2][6], b[2][6]);
  EXPECT_NE(b[2][5], b[2][6]);
  // At most λ - 2 members are TPE's.
  auto most = Make(space, {{"surrogate", false}, {"tpe_members", std::int64_t{100}}});
  History h;
  const auto c = Generations(*most, 21, &h);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(a[2][i], c[2][i]) << i;
  for (int i = 2; i < 7; ++i) EXPECT_NE(a[2][i], c[2][i]) << i;
}

TEST(HazeroTpeMembersTest, RebuildsTheSameStateFromHistory) {
  const SearchSpace space = Floats(4);
  const Options options = {{"tpe_members", std::int64_t{1}}};
  auto a = Make(space, options, 60);
  History h;
  Generations(*a, 40, &h);  // with the surrogate: rounds of a few trials
  // A fresh searcher (a restarted coordinator) continues the same way.
  auto fresh = Make(space, options, 60);
  EXPECT_EQ(a->Suggest(h, 100).value(), fresh->Suggest(h, 100).value());
  // A searcher that saw another history keeps no stale TPE draws: its
  // suggestions after the change are a fresh searcher's.
  History changed = h;
  changed.trials[12].loss = -100.0;
  auto other = Make(space, options, 60);
  EXPECT_EQ(a->Suggest(changed, 100).value(), other->Suggest(changed, 100).value());
  // And the same seed gives the same run.
  auto again = Make(space, options, 60);
  History h2;
  Generations(*again, 40, &h2);
  EXPECT_EQ(h2.trials.back().params, h.trials.back().params);
}

TEST(HazeroTpeMembersTest, RefusesANegativeCount) {
  auto made = MakeHazeroSearcher({{"tpe_members", std::int64_t{-1}}}, Floats(3), 0);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().field(), "searcher.tpe_members");
}

}  // namespace
}  // namespace autotune
