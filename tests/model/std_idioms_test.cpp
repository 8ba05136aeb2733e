// The 15 std idioms of issue 14 through weft/std.hpp with WEFT_MODEL (this file only): every
// interleaving of tests/facade/std_idioms.hpp under DPOR gives the std mode's results.
#define WEFT_MODEL 1
#include "../facade/std_idioms.hpp"

#include <gtest/gtest.h>

#include "weft/explore.hpp"

TEST(StdIdioms, AllFifteenRunUnderTheModelWithStdResults) {
  int runs = 0;
  bool all_ok = true;
  weft::Options o;
  o.strategy = weft::StrategyKind::kDpor;
  const weft::Result r = weft::explore([&] {
    const idioms::Results out = idioms::run_all();
    ++runs;
    all_ok = all_ok && out.counter == 9 && out.flags == 4 && out.once_runs == 1 && out.shared_reads == 4 &&
             out.recursive_depth == 2;
  }, o);
  EXPECT_TRUE(r.findings.empty()) << (r.findings.empty() ? "" : r.findings[0].message);
  EXPECT_TRUE(all_ok);
  EXPECT_GT(runs, 1);
  EXPECT_TRUE(r.complete);
}
