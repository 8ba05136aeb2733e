// Driving weft-relacy from the weft CLI: subprocess, its JSON output, Relacy's report as findings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "weft/explore.hpp"
#include "weft/params.hpp"
#include "weft/scenario.hpp"

namespace weft::relacy {

struct RelacyOptions {
  RelacySearch search = RelacySearch::kFull;
  unsigned context_bound = 2;        // kBound
  std::uint64_t iterations = 10000;  // kRandom
  unsigned max_steps = 20000;        // scheduling points per iteration; beyond: a livelock
  bool track_heap = false;           // Relacy tracks the scenario's heap (leaks, double frees)
  double timeout_seconds = 0;        // > 0: kill weft-relacy after this long (an error verdict)
  std::string binary;                // weft-relacy; empty: default_relacy_binary()
};

// The scenario's declared Relacy search (Scenario::relacy_explore).
RelacyOptions default_options(const Scenario& scenario);

struct RelacyResult {
  // strategy: the search ("full", "bound", "random"); executions: Relacy iterations (on a
  // finding: the index of the failing iteration); complete: a full search that found nothing;
  // bounded_by: "finding", "context_bound=N" or "iterations=N"; findings: at most one (Relacy
  // stops at the first failing iteration), with Relacy's history as its trace and no schedule
  // token (Relacy's searches are deterministic: the rerun command finds the same iteration).
  Result result;
  bool skipped = false;
  std::string skip_reason;
  SourceLoc skip_at;       // the call Relacy cannot model, when known
  int threads = 0;         // dynamic threads of the Relacy suite that ran
  std::string weak_order;  // first non-seq_cst order the scenario used ("" if none)
  SourceLoc weak_order_at;
  std::string error;  // no verdict: binary missing, crash, timeout, unreadable output
  std::string rerun;  // `weft explore ... --engine relacy ...` repeating this run
  // Seconds of Relacy's search alone, measured inside weft-relacy (result.seconds is the wall
  // time of the subprocess, start-up included).
  double search_seconds = 0;
};

// "full", "bound", "random".
std::string_view search_name(RelacySearch search);

// weft-relacy next to the running executable (/proc/self/exe); empty if there is none.
std::string default_relacy_binary();

// Runs the scenario under Relacy in weft-relacy. Never throws for backend failures (see error).
RelacyResult run_relacy(const Scenario& scenario, const Params& params, const RelacyOptions& options);

// The result for weft-relacy's JSON output (what run_relacy applies to the subprocess output).
RelacyResult parse_relacy_output(std::string_view json_text, const Scenario& scenario, const Params& params,
                                 const RelacyOptions& options);

// "weft explore <scenario> --engine relacy --relacy-search ... [--set ...]".
std::string rerun_command(const Scenario& scenario, const Params& params, const RelacyOptions& options);

}  // namespace weft::relacy
