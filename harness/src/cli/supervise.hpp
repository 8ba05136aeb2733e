// The supervised child: one fork per search, so that a crash weft cannot isolate in process (one
// that corrupted weft's own state, or happened outside a simulated thread) still ends in a report.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/crash_guard.hpp"
#include "weft/explore.hpp"

namespace weft::cli {

// How a supervised child ended. When it died of a signal, what the crash mirror held (see
// detail::CrashMirror): the execution running and, if the in-process handler got to record
// it, the crash, the thread's last visible operation and the execution's choices.
struct ChildOutcome {
  bool died = false;
  int signal = 0;     // died: the signal
  int exit_code = 0;  // !died: the child's exit code
  std::uint64_t execution = 0;
  bool recorded = false;
  detail::CrashRecord record;
  SourceLoc location;
  OpKind op = OpKind::kYield;
  std::vector<std::uint32_t> choices;
  bool choices_truncated = false;
  std::string payload;  // what the child wrote to its payload descriptor
};

// Runs `child(payload_fd)` in a forked child that shares stdout and stderr (both flushed before
// the fork) and exits with its return value (an escaping exception: "weft: internal error" on
// stderr, exit 3). The child may write bytes to payload_fd for the parent. Precondition: the
// calling process has no other threads (fork copies only the caller).
ChildOutcome run_in_child(const std::function<int(int payload_fd)>& child);


// The crash finding a parent reports for a child that died while exploring `scenario` with
// `options` (token only when the handler recorded the execution's choices).
Finding died_finding(const ChildOutcome& c, const Scenario& scenario, const Params& params, const Options& options);

}  // namespace weft::cli
