// Typed findings: what a checker or the runtime reports about one execution.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/source_loc.hpp"

namespace weft {

// Stable public contract: the snake_case names (see kind_name) appear in --json output,
// JUnit reports and scenario expectations. Append new kinds; never renumber or rename.
enum class FindingKind : std::uint8_t {
  kAssertionFailure,   // assertion_failure: a WEFT_ASSERT failed
  kUncaughtException,  // uncaught_exception: an exception escaped a scenario thread
  kDeadlock,           // deadlock: unfinished threads, none can run
  kStepBound,          // step_bound: an execution exceeded its step bound (possible livelock)
  kApiMisuse,          // api_misuse: unlock of an unowned mutex, double join, ...
  kDataRace,           // data_race
  kLockOrderInversion, // lock_order_inversion
  kLivelock,           // livelock
  kStarvation,         // starvation
  kPriorityInversion,  // priority_inversion
  kDeadlineMiss,       // deadline_miss
  kMemoryLeak,         // memory_leak (reported by the Relacy engine)
  kHang,               // hang: a native run stopped by the watchdog, or a model execution that made
                       // no visible operation for Options::exec_timeout seconds
  kCrash,              // crash: a fault signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL), abort(),
                       // std::terminate or a stack overflow in a simulated thread
};
inline constexpr int kFindingKindCount = 14;

std::string_view kind_name(FindingKind kind);
std::optional<FindingKind> kind_from_name(std::string_view name);

// Potential findings (data_race, lock_order_inversion) say what can go wrong rather than what
// went wrong: a checker reports each distinct one once per exploration, and they do not end
// an exploration that stops at the first finding (Options::stop_on_first), so that the failure
// they lead to is found and shown too.
bool is_potential(FindingKind kind);

// One access or acquisition that a finding points at (a race has two).
struct FindingSite {
  int thread = -1;
  std::string operation;  // e.g. "var.write", "mutex.lock"
  std::string object;     // e.g. "var#2 (counter.cpp:30)"
  SourceLoc location;
  std::uint64_t step = 0;
};

struct Finding {
  FindingKind kind = FindingKind::kAssertionFailure;
  std::string message;        // one line, human readable
  std::vector<int> threads;   // thread ids involved; 0 is the scenario's main thread
  std::string operation;      // the operation at which it was detected
  SourceLoc location;         // primary source location
  std::uint64_t step = 0;     // index of the event at which it was detected
  std::uint64_t execution = 0;  // 1-based index of the execution that found it
  std::string schedule;       // replay token (empty when the engine has none)
  std::vector<FindingSite> sites;      // accesses/acquisitions involved
  std::vector<std::string> details;    // extra explanation lines (wait-for chains, ...)
  std::string trace;          // readable trace of the failing execution (may be empty)
  // False when the finding needs more than its own execution (a lock-order cycle combining
  // several executions): its token replays that execution without expecting the finding.
  bool replayable = true;
};

// "file:line" with the file shortened relative to the source tree when possible.
std::string format_location(SourceLoc loc);

}  // namespace weft
