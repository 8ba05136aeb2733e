// DPOR against exhaustive DFS on generated programs: the same reachable outcomes and the same finding kinds.
//
// For each seed, a small random program (tests/model/dpor_random_program.hpp) is explored to the
// end by DFS (every interleaving, every value) and by DPOR, both with --keep-going. The sets of
// outcomes of the executions that ended normally (final memory and every value every thread read)
// must be equal, and so must the sets of finding kinds. DPOR must also run at most as many
// executions as DFS, and never need its conservative fallback.
//
// Seeds: kQuickSeeds in the normal suite; WEFT_LONG_TESTS=1 (ctest -L long runs the same binary
// with it) raises it to kLongSeeds. Programs whose DFS does not finish within kDfsBudget
// executions are skipped (counted; the test requires most seeds to be compared).
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "dpor_random_program.hpp"
#include "weft/explore.hpp"

namespace {

using weft::testing::Features;
using weft::testing::Generator;
using weft::testing::Interpreter;
using weft::testing::Program;

constexpr int kQuickSeeds = 300;
constexpr int kLongSeeds = 5000;
constexpr std::uint64_t kDfsBudget = 5000;

bool long_mode() {
  const char* v = std::getenv("WEFT_LONG_TESTS");
  return v != nullptr && *v != '\0' && *v != '0';
}

struct Explored {
  weft::Result result;
  std::set<std::vector<std::int64_t>> outcomes;
  std::set<weft::FindingKind> kinds;
};

Explored explore(const Program& p, weft::StrategyKind strategy, std::uint64_t budget) {
  Explored e;
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.strategy = strategy;
  o.stop_on_first = false;
  o.trace = false;
  o.max_executions = budget;
  o.max_steps = 400;
  e.result = weft::explore(Interpreter(p, e.outcomes), o);
  for (const weft::Finding& f : e.result.findings) e.kinds.insert(f.kind);
  return e;
}

struct Tally {
  int compared = 0;
  int skipped = 0;
  std::uint64_t dfs_executions = 0;
  std::uint64_t dpor_executions = 0;
  std::uint64_t redundant = 0;
};

void differential(std::uint64_t seed, Features features, Tally& tally) {
  Generator gen(seed, features);
  const Program p = gen.make();
  const Explored dfs = explore(p, weft::StrategyKind::kDfs, kDfsBudget);
  if (!dfs.result.complete) {
    ++tally.skipped;
    return;
  }
  const Explored dpor = explore(p, weft::StrategyKind::kDpor, 0);
  ++tally.compared;
  tally.dfs_executions += dfs.result.executions;
  tally.dpor_executions += dpor.result.executions;
  tally.redundant += dpor.result.redundant_executions;
  const std::string what = "seed " + std::to_string(seed) + ":\n" + weft::testing::describe(p);
  ASSERT_TRUE(dpor.result.complete) << what << dpor.result.divergence;
  EXPECT_EQ(dpor.outcomes, dfs.outcomes) << what;
  EXPECT_EQ(dpor.kinds, dfs.kinds) << what;
  EXPECT_LE(dpor.result.executions, dfs.result.executions) << what;
  EXPECT_EQ(dpor.result.conservative_backtracks, 0u) << what;
}

void run_seeds(std::uint64_t base, Features features) {
  const int seeds = long_mode() ? kLongSeeds : kQuickSeeds;
  Tally tally;
  for (int i = 0; i < seeds; ++i) {
    differential(base + static_cast<std::uint64_t>(i), features, tally);
    if (::testing::Test::HasFailure()) break;  // one program's report is enough
  }
  std::printf(
      "compared %d programs (%d skipped: DFS over %llu executions); executions dfs %llu, dpor %llu "
      "(%llu redundant)\n",
      tally.compared, tally.skipped, static_cast<unsigned long long>(kDfsBudget),
      static_cast<unsigned long long>(tally.dfs_executions), static_cast<unsigned long long>(tally.dpor_executions),
      static_cast<unsigned long long>(tally.redundant));
  EXPECT_GE(tally.compared, seeds * 3 / 4);
}

// Atomics, variables and mutexes only (the core of the dependency relation).
TEST(DporDifferential, AtomicsVariablesMutexes) {
  Features f;
  f.condvars = false;
  f.semaphores = false;
  f.choose = false;
  f.spawn = false;
  run_seeds(1000, f);
}

// Everything: condition variables (with spurious wake-ups), semaphores, weft::choose,
// assertions, nested spawns.
TEST(DporDifferential, EveryOperation) { run_seeds(500000, Features{}); }

}  // namespace
