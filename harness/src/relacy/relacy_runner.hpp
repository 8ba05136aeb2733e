// The Relacy runner (inside weft-relacy): runs a catalog scenario under rl::simulate and returns
// Relacy's verdict and report as plain data. This header does not include Relacy.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "weft/params.hpp"
#include "weft/scenario.hpp"
#include "weft/source_loc.hpp"

namespace weft::relacy {

// "full", "bound", "random".
std::string_view search_name(RelacySearch search);

struct RunConfig {
  RelacySearch search = RelacySearch::kFull;  // see weft::RelacySearch
  unsigned context_bound = 1;                 // kBound
  std::uint64_t iterations = 1000;            // kRandom
  unsigned max_steps = 20000;                 // scheduling points per iteration; beyond: Relacy's LIVELOCK
  // When false (default), the scenario's heap allocations bypass Relacy's heap: each free there
  // is a 2-way (random: 4-way) choice point, which multiplies tree searches. When true, Relacy
  // tracks them and reports memory leaks and double frees.
  bool track_heap = false;
};

struct RunOutcome {
  bool skipped = false;
  std::string skip_reason;       // when skipped
  SourceLoc skip_at;             // the call that Relacy cannot model (when known)
  int threads = 0;               // dynamic threads of the suite that ran (K)
  int result_code = 0;           // rl::test_result_e (0: success)
  std::string result;            // stable snake_case name of rl::test_result_e, e.g. "data_race"
  std::uint64_t iterations = 0;  // iterations run, or the index of the failing one
  std::string report;            // Relacy's output: test name, then the failure report with history
  // The first atomic operation with an order weaker than seq_cst, if any ran.
  std::string weak_order;  // "relaxed", "acquire", ...; empty when every one was seq_cst
  SourceLoc weak_order_at;
  double seconds = 0;
};

// Runs `scenario` with `params`. Picks a suite whose dynamic thread count is exactly what the
// scenario spawns (unused dynamic threads would be scheduled at the end of every iteration and
// multiply the search): a one-iteration probe measures it, an over-capacity spawn reruns with a
// larger suite. More threads than detail::kRelacyMaxThreads, or a facade call Relacy cannot
// model, gives a skipped outcome.
RunOutcome run_scenario(const Scenario& scenario, const Params& params, const RunConfig& config);

}  // namespace weft::relacy
