// DPOR over the whole scenario catalog: the same verdicts and finding kinds as DFS; pinned DPOR counts.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "weft/explore.hpp"
#include "weft/scenario.hpp"

namespace {

using weft::FindingKind;
using weft::StrategyKind;

// DFS is the reference; a few correct scenarios take it millions of executions. Capped here, it
// still gives a verdict (clean so far); the DPOR side is always a complete search.
constexpr std::uint64_t kDfsCap = 300000;

// The kinds of the findings of the execution that stopped the search (potential findings of
// earlier executions depend on the order of exploration, not on the verdict).
std::set<FindingKind> stopping_kinds(const weft::Result& r) {
  std::set<FindingKind> kinds;
  for (const weft::Finding& f : r.findings) {
    if (f.execution == r.executions) kinds.insert(f.kind);
  }
  return kinds;
}

std::string kinds_text(const std::set<FindingKind>& kinds) {
  std::string out;
  for (const FindingKind k : kinds) out += (out.empty() ? "" : ",") + std::string(weft::kind_name(k));
  return out.empty() ? "clean" : out;
}

// DPOR runs what the catalog's defaults allow: not the fair mode, not the priority policy (both
// narrow the set of threads that may run; `weft explore --strategy dpor` rejects them).
using weft::dpor_applies;

TEST(DporCatalog, SameVerdictAndKindsAsDfs) {
  int compared = 0;
  std::string not_applicable;
  for (const weft::Scenario* s : weft::scenarios()) {
    if (!s->model.skip_reason.empty()) continue;
    const weft::Options base = weft::scenario_options(*s);
    if (!dpor_applies(base)) {
      not_applicable += std::string(s->name) + " ";
      continue;
    }
    weft::Options dfs = base;
    dfs.strategy = StrategyKind::kDfs;
    dfs.trace = false;
    if (dfs.max_executions == 0) dfs.max_executions = kDfsCap;
    weft::Options dpor = base;
    dpor.strategy = StrategyKind::kDpor;
    dpor.preemption_bound = -1;  // a DFS concession: DPOR always explores every trace
    dpor.max_executions = 0;
    dpor.trace = false;
    const weft::Result a = weft::explore_scenario(*s, s->default_params(), dfs);
    const weft::Result b = weft::explore_scenario(*s, s->default_params(), dpor);
    ++compared;
    EXPECT_EQ(b.conservative_backtracks, 0u) << s->name;
    EXPECT_TRUE(b.divergence.empty()) << s->name << ": " << b.divergence;
    const std::set<FindingKind> ka = stopping_kinds(a);
    const std::set<FindingKind> kb = stopping_kinds(b);
    // Same verdict: both clean, or both stopped by a finding of the same kinds.
    EXPECT_EQ(kinds_text(kb), kinds_text(ka))
        << s->name << " (dfs " << a.executions << " executions, dpor " << b.executions << ")";
    if (ka.empty()) {
      EXPECT_TRUE(b.complete) << s->name;
      EXPECT_LE(b.executions, a.executions) << s->name;
    }
    // Every non-potential kind the scenario declares for the model shows up under DPOR.
    for (const FindingKind k : s->model.kinds) {
      if (!weft::is_potential(k)) EXPECT_TRUE(b.has(k)) << s->name << " " << weft::kind_name(k);
    }
  }
  std::printf("compared %d scenarios; not for dpor (fair mode or priority policy): %s\n", compared,
              not_applicable.c_str());
  EXPECT_GE(compared, 20);
}

// Scenarios that record their complete DPOR count (Scenario::dpor_executions) still have it, and
// every scenario that records its complete DFS count records its DPOR count too (where DPOR applies).
TEST(DporCatalog, RecordedCountsHold) {
  int checked = 0;
  for (const weft::Scenario* s : weft::scenarios()) {
    if (s->dfs_executions != 0 && dpor_applies(weft::scenario_options(*s))) {
      EXPECT_NE(s->dpor_executions, 0u) << s->name << " records dfs_executions but not dpor_executions";
    }
    if (s->dpor_executions == 0) continue;
    weft::Options o = weft::scenario_options(*s);
    o.strategy = StrategyKind::kDpor;
    o.preemption_bound = -1;
    o.max_executions = 0;
    const weft::Result r = weft::explore_scenario(*s, s->default_params(), o);
    EXPECT_TRUE(r.complete) << s->name;
    EXPECT_EQ(r.executions, s->dpor_executions) << s->name;
    if (s->dfs_executions != 0) EXPECT_LE(r.executions, s->dfs_executions) << s->name;
    ++checked;
  }
  EXPECT_GE(checked, 11);
}

// `weft explore` without --strategy and `weft check` run DPOR where it applies, with no
// preemption bound; DFS with the scenario's own options in the fair mode or under the priority
// policy.
TEST(DporCatalog, DefaultSearchIsDporWhereItApplies) {
  const weft::Scenario* ring = weft::find_scenario("memory-order/spsc-ring");
  ASSERT_NE(ring, nullptr);
  ASSERT_GE(weft::scenario_options(*ring).preemption_bound, 0);  // a DFS concession the ring declares
  const weft::Options o = weft::default_search_options(*ring);
  EXPECT_EQ(o.strategy, StrategyKind::kDpor);
  EXPECT_EQ(o.preemption_bound, -1);
  const weft::Result r = weft::explore_scenario(*ring, ring->default_params(), o);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, ring->dpor_executions);
  for (const char* name : {"lock-ordering/polite-livelock", "priority-inversion/unbounded"}) {
    const weft::Scenario* s = weft::find_scenario(name);
    ASSERT_NE(s, nullptr) << name;
    const weft::Options d = weft::default_search_options(*s);
    EXPECT_EQ(d.strategy, StrategyKind::kDfs) << name;
    EXPECT_EQ(d.preemption_bound, weft::scenario_options(*s).preemption_bound) << name;
  }
}

}  // namespace
